import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { replayHistories } from '../temporal/encrypted';
import { TEST_KEYS } from './helpers/codec-keys';
import { workflowBundle } from './helpers/temporal';

const DIR = join(__dirname, 'histories');

describe('replay of recorded incident histories', function () {
  this.timeout(60_000);
  const files = readdirSync(DIR).filter((f) => f.endsWith('.json'));

  it('has recorded histories to replay', () => {
    assert.ok(files.length >= 1, `no histories in ${DIR}: run npm run test:record-histories`);
  });

  for (const file of files) {
    it(`replays ${file} with today's workflow code`, async () => {
      const history = historyFromJSON(JSON.parse(readFileSync(join(DIR, file), 'utf8')));
      // Plain histories (recorded before encryption) pass through the codec; codec-* ones are
      // encrypted with the fixture keys.
      const results = replayHistories(
        { workflowBundle: await workflowBundle() },
        [{ workflowId: basename(file, '.json'), history }],
        TEST_KEYS,
      );
      for await (const result of results) {
        assert.equal(result.error, undefined, `${file}: ${result.error?.message}`);
      }
    });
  }
});
