/**
 * The payload codec: AES-256-GCM from node:crypto, in the shape of Temporal's documented
 * encryption sample. Each payload (already converted to bytes by the payload converter) is
 * serialised whole, metadata included, and encrypted; the stored payload says only
 * `encoding: binary/encrypted` and the key id. Payloads that are not encrypted (histories
 * recorded before encryption, or written by an older build) are passed through unchanged, so
 * they still replay and read.
 *
 * Which key: payloads of a workflow whose id names a data region (the CRM sync buffers,
 * `crm-sync-eu:…`) and of its activities use that region's newest key; everything else the
 * newest global key. Decoding uses the key the payload names, whatever its region.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec, SerializationContext } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { DATA_REGIONS, type DataRegion } from '../domain/regions';
import { CodecKeyError, type KeyRegion, type KeyRing } from './key-ring';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
const CIPHER = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;

const text = (s: string) => Buffer.from(s);

/** The data region a workflow's payloads belong to, from its id (`crm-sync-eu:…` → eu). */
export function dataRegionOfWorkflowId(workflowId: string | undefined): DataRegion | undefined {
  return DATA_REGIONS.find((region) => workflowId?.startsWith(`crm-sync-${region}:`));
}

export function isEncrypted(payload: Payload): boolean {
  return Buffer.from(payload.metadata?.encoding ?? []).toString() === ENCRYPTED_ENCODING;
}

/** The key id an encrypted payload names. */
export function keyIdOf(payload: Payload): string | undefined {
  const id = payload.metadata?.[KEY_ID_METADATA];
  return id ? Buffer.from(id).toString() : undefined;
}

export class EncryptionCodec implements PayloadCodec {
  constructor(private readonly keys: KeyRing) {}

  async encode(payloads: Payload[], context?: SerializationContext): Promise<Payload[]> {
    const region: KeyRegion = dataRegionOfWorkflowId(context?.workflowId) ?? 'global';
    const { id, key } = this.keys.encryptingKey(region);
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv(CIPHER, key, iv);
      cipher.setAAD(text(id)); // a payload moved under another key id does not decrypt
      const plain = temporal.api.common.v1.Payload.encode(payload).finish();
      const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return { metadata: { encoding: text(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: text(id) }, data };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => (isEncrypted(payload) ? this.decrypt(payload) : payload));
  }

  private decrypt(payload: Payload): Payload {
    const id = keyIdOf(payload);
    if (!id)
      throw new CodecKeyError('an encrypted payload names no key id: it was not written by this codec');
    const { key } = this.keys.decryptingKey(id);
    const data = Buffer.from(payload.data ?? []);
    if (data.length < IV_BYTES + TAG_BYTES)
      throw new CodecKeyError(`a payload encrypted with key "${id}" is truncated`);
    const decipher = createDecipheriv(CIPHER, key, data.subarray(0, IV_BYTES));
    decipher.setAAD(text(id));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    let plain: Buffer;
    try {
      plain = Buffer.concat([
        decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)),
        decipher.final(),
      ]);
    } catch {
      throw new CodecKeyError(
        `a payload encrypted with key "${id}" does not decrypt with the key of that id configured here: the key ring holds a different key under that id`,
      );
    }
    return temporal.api.common.v1.Payload.decode(plain);
  }
}
