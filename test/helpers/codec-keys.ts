/**
 * The fixture key ring every test encrypts with (test/fixtures/codec/fixture-keys.json). It is
 * committed on purpose: the encrypted recorded histories (test/histories/codec-*.json) replay
 * with it. Never a key of any deployment.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseKeyRing } from '../../temporal/key-ring';

export const FIXTURE_KEYS_FILE = join(__dirname, '..', 'fixtures', 'codec', 'fixture-keys.json');

export const TEST_KEYS = parseKeyRing(readFileSync(FIXTURE_KEYS_FILE, 'utf8'), FIXTURE_KEYS_FILE);
