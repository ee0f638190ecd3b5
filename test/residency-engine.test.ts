import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { createActivities } from '../activities';
import { loadDirectory } from '../comms/directory';
import type { IncidentStatus } from '../domain/incident';
import { createIncidentWorker } from '../workers/worker';
import { createRegionalWorker } from '../workers/regional';
import { testDeps } from './helpers/deps';
import { sendAlert } from './helpers/incidents';
import { startMailCatcher, type MailCatcher } from './helpers/mail';
import { runbookFromYaml } from './helpers/runbooks';
import { startLocalTemporal, uniqueTaskQueue, workflowBundle } from './helpers/temporal';

/**
 * The incident workflow itself routes a regional activity step to the task queue of the
 * incident's data region: proved from Temporal's own record of who started each activity.
 */
describe('data residency in the runbook engine (dev server)', function () {
  this.timeout(90_000);
  let env: TestWorkflowEnvironment;
  let mail: MailCatcher;
  let probe: Server;
  let probeUrl: string;

  before(async () => {
    [env, mail] = await Promise.all([startLocalTemporal(), startMailCatcher()]);
    probe = createServer((_, res) => res.writeHead(200).end('ok'));
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    probeUrl = `http://127.0.0.1:${(probe.address() as AddressInfo).port}/customer-data`;
  });
  after(async () => {
    await env?.teardown();
    await mail?.close();
    probe?.close();
  });

  it("runs an EU incident's regional step on the EU worker and a US one's on the US worker", async () => {
    const runbook = runbookFromYaml(`
id: residency-test
version: 1
title: Residency test
escalation: { levels: [] }
steps:
  - { id: read-customer-data, kind: activity, activity: checkHttpEndpoint, regional: true, args: { url: "${probeUrl}" } }
  - { id: central-check, kind: activity, activity: checkHttpEndpoint, args: { url: "${probeUrl}" } }
onResolve: { notify: [operations] }
`);
    const directory = loadDirectory(join(__dirname, 'fixtures', 'directory.yaml'));
    const deps = testDeps(mail.url, { directory });
    const taskQueue = uniqueTaskQueue('residency');
    const main = await createIncidentWorker({
      connection: env.nativeConnection,
      namespace: 'default',
      taskQueue,
      deps,
      workflowBundle: await workflowBundle(),
      identity: 'main-worker',
    });
    const regional = await Promise.all(
      (['eu', 'us'] as const).map((region) =>
        createRegionalWorker({
          connection: env.nativeConnection,
          namespace: 'default',
          baseTaskQueue: taskQueue,
          region,
          deps,
          activities: { checkHttpEndpoint: createActivities(deps).checkHttpEndpoint },
          identity: `${region}-worker`,
        }),
      ),
    );
    const workers = [main, ...regional] as Worker[];
    const run = Promise.all(workers.map((w) => w.run()));
    try {
      const runs = await Promise.all(
        (['eu', 'us', 'global'] as const).map((region) =>
          sendAlert(
            env.client,
            taskQueue,
            { title: `Lockout ${region}`, region, fingerprint: `residency-${region}` },
            [runbook],
          ),
        ),
      );
      for (const [i, region] of (['eu', 'us', 'global'] as const).entries()) {
        const handle = env.client.workflow.getHandle(runs[i]!.incidentId);
        let status: IncidentStatus | undefined;
        for (let t = 0; t < 100; t++) {
          status = (await handle.query('status')) as IncidentStatus;
          if (status.steps.filter((s) => s.state === 'done').length === 2) break;
          await new Promise((r) => setTimeout(r, 100));
        }
        const history = await handle.fetchHistory();
        const scheduled = new Map<string, string>();
        const startedBy: Record<string, string> = {};
        for (const event of history.events ?? []) {
          const s = event.activityTaskScheduledEventAttributes;
          if (s?.activityType?.name === 'checkHttpEndpoint')
            scheduled.set(String(event.eventId), s.taskQueue?.name ?? '');
          const started = event.activityTaskStartedEventAttributes;
          if (started && scheduled.has(String(started.scheduledEventId))) {
            startedBy[scheduled.get(String(started.scheduledEventId))!] = started.identity ?? '';
          }
        }
        const expected =
          region === 'global'
            ? { [taskQueue]: 'main-worker' }
            : { [`${taskQueue}-${region}`]: `${region}-worker`, [taskQueue]: 'main-worker' };
        assert.deepEqual(startedBy, expected, `${region}: ${JSON.stringify(status?.steps)}`);
      }
    } finally {
      workers.forEach((w) => w.shutdown());
      await run;
    }
  });
});
