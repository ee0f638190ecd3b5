import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { skipUnlessCi } from './helpers/skip';

interface ComposedService {
  image?: string;
  command?: string[];
  container_name?: string;
  environment?: Record<string, string | null>;
  ports?: Array<{ published?: string | number; target?: number }>;
  volumes?: Array<{ target?: string } | string>;
  healthcheck?: { test?: string[] };
  stop_grace_period?: string;
  init?: boolean;
}

/** `30s`, `1m30s` → seconds. */
function seconds(duration: string): number {
  let total = 0;
  for (const [, n, unit] of duration.matchAll(/(\d+)(h|m|s)/g))
    total += Number(n) * (unit === 'h' ? 3600 : unit === 'm' ? 60 : 1);
  return total;
}

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
      'temporal-namespace',
      'temporal-schema',
      'temporal-ui',
      'worker',
    ]);
  });

  describe('as composed (`config` output)', () => {
    let services: Record<string, ComposedService>;
    before(function () {
      if (!compose) skipUnlessCi(this, 'no compose CLI (docker compose or docker-compose)');
      const out = config(join(ROOT, 'docker-compose.yml'));
      assert.equal(out.status, 0, out.stderr);
      services = (parse(out.stdout) as { services: Record<string, ComposedService> }).services;
    });

    it('runs maintained images pinned to a release, Temporal set up by admin-tools (not auto-setup)', () => {
      for (const [name, service] of Object.entries(services)) {
        if (!service.image) continue; // built from our Dockerfile
        assert.match(
          service.image,
          /^[\w./-]+:v?\d+\.\d+/,
          `${name}: ${service.image} is not pinned to a release`,
        );
        assert.doesNotMatch(service.image, /auto-setup/, `${name}: temporalio/auto-setup is deprecated`);
      }
      assert.match(services.temporal!.image!, /^temporalio\/server:/);
      assert.match(services['temporal-schema']!.image!, /^temporalio\/admin-tools:/);
      assert.match(services['temporal-schema']!.command!.join(' '), /setup-schema\.sh/);
      assert.match(services['temporal-namespace']!.command!.join(' '), /create-namespace\.sh/);
      const script = readFileSync(join(ROOT, 'docker', 'temporal', 'create-namespace.sh'), 'utf8');
      assert.match(script, /--retention "\$retention"/);
      assert.equal(services['temporal-namespace']!.environment!.TEMPORAL_NAMESPACE_RETENTION, '30d');
    });

    it('scales to 3 workers and 2 gateways: no fixed container names, a published port per replica', () => {
      for (const [name, replicas] of [
        ['worker', 3],
        ['gateway', 2],
      ] as const) {
        const service = services[name]!;
        assert.equal(service.container_name, undefined, `${name}: a container_name cannot be scaled`);
        const [published] = (service.ports ?? []).map((p) => String(p.published));
        const [from, to = from] = published!.split('-').map(Number);
        assert.ok(to! - from! + 1 >= replicas, `${name}: ${published} gives fewer than ${replicas} ports`);
      }
    });

    it('workers and gateways share the store, shut down gracefully and have healthchecks that check something', () => {
      for (const name of ['worker', 'gateway']) {
        const service = services[name]!;
        assert.match(
          String(service.environment!.LOCKOUT_DATABASE_URL),
          /^postgresql:\/\/.+@postgresql:5432\/lockout$/,
        );
        assert.ok(service.stop_grace_period, `${name}: stop_grace_period`);
        assert.equal(service.init, true, `${name}: an init process forwards SIGTERM to node`);
        assert.equal(service.command![0], 'node', `${name}: node itself receives the signal, not npm`);
        const test = service.healthcheck!.test!.join(' ');
        const script = /docker\/[\w-]+\.cjs/.exec(test)?.[0];
        assert.ok(script, `${name}: healthcheck ${test}`);
        assert.ok(existsSync(join(ROOT, script)), `${name}: ${script} exists`);
      }
      assert.match(
        readFileSync(join(ROOT, 'docker', 'worker-healthcheck.cjs'), 'utf8'),
        /temporal_num_pollers/,
      );
      assert.match(readFileSync(join(ROOT, 'docker', 'gateway-healthcheck.cjs'), 'utf8'), /\/healthz/);
      // Running activities get their grace time before compose's SIGKILL.
      const graceMs = Number(services.worker!.environment!.LOCKOUT_WORKER_SHUTDOWN_GRACE_MS);
      assert.ok(graceMs > 0 && graceMs < seconds(services.worker!.stop_grace_period!) * 1000);
    });

    it('the image runs as the non-root user with its data directory writable', () => {
      const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
      assert.match(dockerfile, /^USER node$/m);
      const dataDir = /^ENV LOCKOUT_DATA_DIR=(\S+)$/m.exec(dockerfile)?.[1];
      assert.ok(dataDir, 'the Dockerfile sets LOCKOUT_DATA_DIR');
      assert.match(dockerfile, /chown -R node:node \/var\/lib\/lockout/);
      for (const name of ['worker', 'gateway']) {
        // docker-compose 1.x prints `volume:/target:rw`, the compose plugin `{ target }`.
        const targets = (services[name]!.volumes ?? []).map((v) =>
          typeof v === 'string' ? v.split(':')[1] : v.target,
        );
        assert.ok(
          targets.some((target) => target && dataDir.startsWith(target)),
          `${name}: a volume holds ${dataDir}`,
        );
      }
    });
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
