/** The gateway with its status page, signed in by a trusted proxy header, and an evidence store. */
import type { AddressInfo } from 'node:net';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { loadDirectory } from '../../comms/directory';
import { directoryStore, type EvidenceStore } from '../../evidence/store';
import { buildGateway } from '../../gateway/server';
import { SHIPPED_DIRECTORY } from './deps';

export const PROXY_HEADER = 'x-forwarded-user';

export async function statusPage(
  env: Pick<TestWorkflowEnvironment, 'client'>,
  /** The evidence store, or the directory of one. */
  store: string | EvidenceStore,
): Promise<{ base: string; close(): Promise<void> }> {
  const directory = loadDirectory(SHIPPED_DIRECTORY);
  const app = buildGateway({
    intake: { client: env.client, taskQueue: 'unused', runbooks: () => [] },
    webUiLink: (id) => `http://ui.test/${id}`,
    sources: { generic: { mode: 'none' } },
    statusPage: {
      client: env.client,
      webUiLink: (id) => `http://ui.test/${id}`,
      sessionSecret: 'evidence-test-session-secret-0123456789',
      health: async () => [],
      auth: {
        auth: { mode: 'proxy', header: PROXY_HEADER, allowFrom: ['127.0.0.1', '::ffff:127.0.0.1'] },
        sessionTtlMs: 3_600_000,
        secureCookies: false,
        knownPerson: (id) => Object.hasOwn(directory.people, id),
      },
      evidence: typeof store === 'string' ? directoryStore(store) : store,
    },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  return { base: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, close: () => app.close() };
}

/** Signed in as `person`: the cookie and CSRF token the page's POSTs need. */
export async function signedIn(base: string, person: string): Promise<Record<string, string>> {
  const page = await fetch(`${base}/status`, { headers: { [PROXY_HEADER]: person } });
  const csrf = /data-csrf="([^"]+)"/.exec(await page.text())?.[1];
  const cookie = page.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  if (!csrf) throw new Error('no CSRF token on the status page');
  return { [PROXY_HEADER]: person, cookie, 'x-csrf-token': csrf, 'content-type': 'application/json' };
}
