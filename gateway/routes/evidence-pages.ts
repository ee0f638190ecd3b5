/**
 * The status page's links to archived evidence packs (docs/evidence.md): `GET /status/evidence`
 * lists every pack in the store, `GET /status/evidence/<incident>/<file>` serves one of its files.
 * Behind the status page's sign-in; only files a pack's manifest lists are ever served.
 */
import type { FastifyInstance, preHandlerAsyncHookHandler } from 'fastify';
import { z } from 'zod';
import { MANIFEST } from '../../evidence/pack';
import type { EvidenceStore } from '../../evidence/store';
import { renderPage } from '../../status-page/pages';

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  pdf: 'application/pdf',
  json: 'application/json; charset=utf-8',
  jsonl: 'text/plain; charset=utf-8',
};

const ManifestNames = z.object({ incidentId: z.string(), files: z.array(z.object({ name: z.string() })) });

const SAFE_NAME = /^[a-z0-9][a-z0-9-]*\.(json|jsonl|html|pdf)$/;

/** report.html carries its own style and an inline SVG; it runs no script and loads nothing. */
const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'";

export function evidencePages(
  app: FastifyInstance,
  store: EvidenceStore,
  requirePerson: preHandlerAsyncHookHandler,
  logout: boolean,
): void {
  app.get('/status/evidence', { preHandler: requirePerson }, async (request, reply) => {
    const packs = (await store.list()).map((p) => ({
      ...p,
      base: `/status/evidence/${encodeURIComponent(p.incidentId)}`,
      pdf: p.files.includes('report.pdf'),
    }));
    return reply
      .type('text/html; charset=utf-8')
      .send(renderPage('evidence', { title: 'Evidence packs', person: request.person, logout }, { packs }));
  });

  app.get<{ Params: { incident: string; file: string } }>(
    '/status/evidence/:incident/:file',
    { preHandler: requirePerson },
    async (request, reply) => {
      const { incident, file } = request.params;
      const notFound = () =>
        reply.status(404).send({ error: `no file ${file} in an archived pack of ${incident}` });
      // Plain names only, even if a manifest in the store were edited to list a path.
      if (!SAFE_NAME.test(file)) return notFound();
      const listed = await listedFiles(store, incident);
      if (!listed?.includes(file)) return notFound();
      const data = await store.read(incident, file);
      if (!data) return notFound();
      const type = TYPES[file.split('.').pop() ?? ''] ?? 'application/octet-stream';
      if (file.endsWith('.html')) reply.header('content-security-policy', REPORT_CSP);
      return reply.type(type).header('content-disposition', `inline; filename="${file}"`).send(data);
    },
  );
}

/** The files the incident's archived manifest lists (undefined: no whole pack of this incident). */
async function listedFiles(store: EvidenceStore, incident: string): Promise<string[] | undefined> {
  const manifest = await store.read(incident, MANIFEST);
  if (!manifest) return undefined;
  try {
    const parsed = ManifestNames.parse(JSON.parse(manifest.toString('utf8')));
    return parsed.incidentId === incident ? [MANIFEST, ...parsed.files.map((f) => f.name)] : undefined;
  } catch {
    return undefined; // not a manifest: `lockout evidence verify` says why
  }
}
