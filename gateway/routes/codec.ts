/**
 * The codec server: `POST /codec/encode` and `POST /codec/decode`, in the shape the Temporal Web
 * UI and CLI expect (a Payloads message as protobuf JSON: `{"payloads": [{"metadata": {…},
 * "data": "…"}]}`, base64 bytes). Responders read plain text in the Web UI while Temporal's
 * database holds ciphertext (docs/privacy.md).
 *
 * Who may call it: a bearer token (LOCKOUT_CODEC_TOKEN; the Temporal CLI, scripts) or a status
 * page session (the Web UI with "include cross-origin credentials"). Browsers may call it only
 * from the configured Web UI origins (CORS); a request from any other origin is refused, so a
 * page elsewhere cannot use a responder's session. Each decode is logged with who asked, the
 * namespace, the workflow when the caller names it (X-Workflow-Id; the Web UI does not), and
 * how many payloads; never the payloads.
 *
 * A payload this gateway holds no key for (another region's) is returned as it came: the Web UI
 * then shows it encrypted, and the rest of the batch still reads.
 */
import cookie from '@fastify/cookie';
import type { Payload, PayloadCodec } from '@temporalio/common';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { authenticate } from '../auth';
import { identify, type ResponderAuthOptions } from '../responder-auth';

export interface CodecRoutesOptions {
  codec: PayloadCodec;
  /** Bearer token callers may present; unset: only status page sessions. */
  token?: string;
  /** Web UI origins (scheme://host:port) allowed to call from a browser. */
  origins: readonly string[];
  /** The status page's sign-in: its sessions are accepted too. */
  session?: { secret: string; auth: ResponderAuthOptions };
}

const MAX_PAYLOADS = 1000;
const base64 = z
  .string()
  .max(4_000_000)
  .regex(/^[A-Za-z0-9+/_-]*={0,2}$/, 'must be base64');
const PayloadsBody = z
  .object({
    payloads: z
      .array(
        z.object({
          metadata: z.record(z.string().max(200), base64).optional(),
          data: base64.optional(),
        }),
      )
      .max(MAX_PAYLOADS, `at most ${MAX_PAYLOADS} payloads per request`),
  })
  .strict();
type PayloadsBody = z.infer<typeof PayloadsBody>;

function fromJson(p: PayloadsBody['payloads'][number]): Payload {
  return {
    metadata: Object.fromEntries(
      Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')]),
    ),
    data: Buffer.from(p.data ?? '', 'base64'),
  };
}

function toJson(p: Payload): { metadata: Record<string, string>; data: string } {
  return {
    metadata: Object.fromEntries(
      Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? []).toString('base64')]),
    ),
    data: Buffer.from(p.data ?? []).toString('base64'),
  };
}

const header = (request: FastifyRequest, name: string) => {
  const value = request.headers[name];
  return (Array.isArray(value) ? value[0] : value)?.slice(0, 200);
};

export const codecRoutes: FastifyPluginAsync<CodecRoutesOptions> = async (app, options) => {
  // Encapsulated here: the status page registers its own copy with the same secret.
  if (options.session) await app.register(cookie, { secret: options.session.secret });

  /** CORS for the Web UI: answers whether the request may go on. */
  function allowOrigin(request: FastifyRequest, reply: FastifyReply): boolean {
    const origin = header(request, 'origin');
    if (origin === undefined) return true; // not a browser: the CLI, scripts
    if (!options.origins.includes(origin)) return false;
    void reply
      .header('access-control-allow-origin', origin)
      .header('access-control-allow-credentials', 'true')
      .header('vary', 'Origin');
    return true;
  }

  async function caller(request: FastifyRequest): Promise<string | undefined> {
    if (options.token && request.headers.authorization) {
      const auth = authenticate(
        { mode: 'bearer', tokens: [options.token] },
        request.headers,
        Buffer.alloc(0),
      );
      return auth.ok ? 'codec-token' : undefined;
    }
    if (!options.session) return undefined;
    const who = await identify(options.session.auth, request);
    return who.ok ? who.person : undefined;
  }

  for (const action of ['encode', 'decode'] as const) {
    app.options(`/codec/${action}`, async (request, reply) => {
      if (!allowOrigin(request, reply)) return reply.status(403).send({ error: 'origin not allowed' });
      return reply
        .header('access-control-allow-methods', 'POST, OPTIONS')
        .header('access-control-allow-headers', 'content-type, x-namespace, x-workflow-id, authorization')
        .header('access-control-max-age', '600')
        .status(204)
        .send();
    });

    app.post(`/codec/${action}`, async (request, reply) => {
      if (!allowOrigin(request, reply))
        return reply
          .status(403)
          .send({ error: `origin not allowed: add it to LOCKOUT_CODEC_ORIGINS to use the codec from there` });
      const who = await caller(request);
      if (!who)
        return reply.status(401).header('www-authenticate', 'Bearer realm="lockout-runbook codec"').send({
          error: 'not authenticated: send the codec bearer token, or sign in to the status page first',
        });
      const parsed = PayloadsBody.safeParse(request.body);
      if (!parsed.success)
        return reply.status(400).send({
          error: parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '),
        });
      const payloads = parsed.data.payloads.map(fromJson);
      const namespace = header(request, 'x-namespace') ?? 'default';
      const workflow = header(request, 'x-workflow-id');
      if (action === 'encode') {
        const encoded = await options.codec.encode(payloads);
        request.log.info({ who, namespace, payloads: payloads.length }, 'codec encode');
        return reply.send({ payloads: encoded.map(toJson) });
      }
      let undecryptable = 0;
      const decoded = await Promise.all(
        payloads.map(async (payload) => {
          try {
            const [plain] = await options.codec.decode([payload]);
            return plain!;
          } catch {
            undecryptable++;
            return payload; // shown encrypted: a key this gateway does not hold
          }
        }),
      );
      // At warn: an audit record of who read personal data, kept at the quieter levels too.
      request.log.warn(
        {
          audit: 'codec-decode',
          who,
          namespace,
          workflow: workflow ?? 'not named by the caller',
          payloads: payloads.length,
          undecryptable,
        },
        'codec decode',
      );
      return reply.send({ payloads: decoded.map(toJson) });
    });
  }
};
