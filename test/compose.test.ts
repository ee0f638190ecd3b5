import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { skipUnlessCi } from './helpers/skip';

const ROOT = join(__dirname, '..');

/** `docker compose` (plugin) or `docker-compose` (standalone), whichever answers. */
function composeCommand(): string[] | undefined {
  for (const cmd of [['docker', 'compose'], ['docker-compose']]) {
    const probe = spawnSync(cmd[0]!, [...cmd.slice(1), 'version'], { encoding: 'utf8' });
    if (probe.status === 0) return cmd;
  }
  return undefined;
}

describe('docker-compose.yml for users', () => {
  const compose = composeCommand();

  function config(file: string, ...args: string[]) {
    return spawnSync(compose![0]!, [...compose!.slice(1), '-f', file, 'config', ...args], {
      encoding: 'utf8',
      cwd: ROOT,
    });
  }

  it('is a valid compose file with Temporal on PostgreSQL, the UI, a mail catcher, worker and gateway', function () {
    // CI installs Debian's docker-compose (.ci/run): there, a missing compose CLI fails the test.
    if (!compose) skipUnlessCi(this, 'no compose CLI (docker compose or docker-compose)');
    const valid = config(join(ROOT, 'docker-compose.yml'), '-q');
    assert.equal(valid.status, 0, valid.stderr);
    const services = config(join(ROOT, 'docker-compose.yml'), '--services')
      .stdout.split('\n')
      .filter(Boolean)
      .sort();
    assert.deepEqual(services, [
      'gateway',
      'mailpit',
      'postgresql',
      'setup',
      'temporal',
      'temporal-ui',
      'worker',
    ]);
  });

  it('would catch a broken compose file', function () {
    if (!compose) skipUnlessCi(this, 'no compose CLI (docker compose or docker-compose)');
    const dir = mkdtempSync(join(tmpdir(), 'compose-'));
    const broken = join(dir, 'docker-compose.yml');
    writeFileSync(
      broken,
      readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8').replace(
        'restart: unless-stopped',
        'restart: [not, a, string]',
      ),
    );
    assert.notEqual(config(broken, '-q').status, 0);
  });
});
