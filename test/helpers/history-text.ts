/**
 * Everything a reader of a workflow's history can read, as text: each payload's bytes decoded as
 * UTF-8 (a plain JSON payload is readable this way though stored as base64), and every other
 * string. Without a codec that is what anyone with access to the namespace or its database
 * reads; with one, what a responder reads through the codec server.
 */
import type { Payload, PayloadCodec } from '@temporalio/common';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isPayloadJson(value: { [key: string]: Json }): boolean {
  return typeof value.metadata === 'object' && value.metadata !== null && !Array.isArray(value.metadata);
}

function payloadFromJson(value: { [key: string]: Json }): Payload {
  const metadata = value.metadata as Record<string, string>;
  return {
    metadata: Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
    data: Buffer.from(typeof value.data === 'string' ? value.data : '', 'base64'),
  };
}

const utf8 = (bytes?: Uint8Array | null) => Buffer.from(bytes ?? []).toString('utf8');

/** The text of a history (or any protobuf JSON), its payloads decoded with `codec` when given. */
export async function readableText(json: unknown, codec?: PayloadCodec): Promise<string> {
  const parts: string[] = [];
  const walk = async (value: Json): Promise<void> => {
    if (typeof value === 'string') parts.push(value);
    else if (Array.isArray(value)) for (const item of value) await walk(item);
    else if (value && typeof value === 'object') {
      if (isPayloadJson(value)) {
        let payload = payloadFromJson(value);
        if (codec) [payload] = (await codec.decode([payload])) as [Payload];
        parts.push(...Object.values(payload.metadata ?? {}).map(utf8), utf8(payload.data));
        return;
      }
      for (const [key, item] of Object.entries(value)) {
        parts.push(key);
        await walk(item);
      }
    }
  };
  await walk(json as Json);
  return parts.join('\n');
}

/** The key ids named by the encrypted payloads of a history (protobuf JSON). */
export function keyIdsIn(json: unknown): Set<string> {
  const ids = new Set<string>();
  const walk = (value: Json): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') {
      const id = isPayloadJson(value)
        ? (value.metadata as Record<string, string>)['encryption-key-id']
        : undefined;
      if (id) ids.add(Buffer.from(id, 'base64').toString());
      Object.values(value).forEach(walk);
    }
  };
  walk(json as Json);
  return ids;
}
