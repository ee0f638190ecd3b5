/**
 * The storm's HTTP senders, on a worker thread of their own (bench/storm.ts starts it): in a
 * deployment the monitoring tools that send alerts run elsewhere, so the requests' own cost
 * (fetch, ~30% of the thread when it shared one with the gateway) must not hold up the gateway's
 * event loop. Alert n goes to gateway n mod G, for fingerprint n mod K.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { pool } from './stats';

export interface StormSenderInput {
  gateways: Array<{ url: string; token: string }>;
  alerts: number;
  fingerprints: number;
  concurrency: number;
  prefix: string;
}

export type StormSenderMessage =
  { type: 'progress'; sent: number } | { type: 'done'; seconds: number } | { type: 'failed'; error: string };

async function send(input: StormSenderInput): Promise<number> {
  const { gateways, alerts, fingerprints, concurrency, prefix } = input;
  let sent = 0;
  const started = performance.now();
  await pool(alerts, concurrency, async (n) => {
    const gateway = gateways[n % gateways.length]!;
    const response = await fetch(`${gateway.url}/alerts/generic`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${gateway.token}` },
      body: JSON.stringify({
        title: `Salesforce sync locked out (${n % fingerprints})`,
        fingerprint: `${prefix}${n % fingerprints}`,
        pattern: 'acl-misconfiguration',
        labels: { instance: `sync-${n % 13}` },
      }),
    });
    await response.arrayBuffer();
    if (response.status !== 202) throw new Error(`storm alert ${n}: HTTP ${response.status}`);
    if (++sent % Math.max(1, Math.floor(alerts / 10)) === 0)
      parentPort!.postMessage({ type: 'progress', sent } satisfies StormSenderMessage);
  });
  return (performance.now() - started) / 1000;
}

send(workerData as StormSenderInput).then(
  (seconds) => parentPort!.postMessage({ type: 'done', seconds } satisfies StormSenderMessage),
  (err: Error) =>
    parentPort!.postMessage({ type: 'failed', error: err.message } satisfies StormSenderMessage),
);
