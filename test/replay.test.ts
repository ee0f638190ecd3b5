import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
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
      const results = Worker.runReplayHistories({ workflowBundle: await workflowBundle() }, [
        { workflowId: basename(file, '.json'), history },
      ]);
      for await (const result of results) {
        assert.equal(result.error, undefined, `${file}: ${result.error?.message}`);
      }
    });
  }
});
