/**
 * `npm run chaos -- --short` as part of the suite: three worker processes SIGKILLed and restarted,
 * two gateways (one restarted), SMTP refusing connections for 10 s, during an alert storm and
 * approvals. The run checks its own results and exits 1 naming any that fail; this test asserts
 * the exit code and that every check line says ok.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';

describe('chaos run (npm run chaos -- --short)', function () {
  this.timeout(10 * 60_000);

  it('loses nothing and sends nothing twice while workers, a gateway and SMTP fail', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(__dirname, '..', 'bench', 'chaos.ts'), '--short'],
      {
        cwd: join(__dirname, '..'),
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (out += d));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    const checks = out.split('\n').filter((line) => /^\s+(ok|FAIL)\s/.test(line));
    assert.equal(checks.length, 6, `six checks printed:\n${out}`);
    assert.deepEqual(
      checks.filter((line) => line.includes('FAIL')),
      [],
      out,
    );
    assert.equal(code, 0, out);
    assert.match(out, /[1-9]\d* worker SIGKILLs and restarts, 1 gateway restart/);
  });
});
