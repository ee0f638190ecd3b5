/** Alert payloads as their senders post them (test/fixtures/alerts/README.md says where from). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const FIXTURES = join(__dirname, '..', 'fixtures', 'alerts');

export function fixturePath(name: string): string {
  return join(FIXTURES, name);
}

/** The raw text, as it goes over the wire. */
export function fixtureText(name: string): string {
  return readFileSync(fixturePath(name), 'utf8');
}

export function fixture<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(fixtureText(name)) as T;
}
