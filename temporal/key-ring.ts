/**
 * The keys that encrypt what Temporal stores (docs/privacy.md). A key ring holds AES-256 keys,
 * each with an id and a region: `global` for everything, `eu`/`us` for payloads of that data
 * region. The newest key of a region (the last listed) encrypts; every key listed still decrypts,
 * so a rotation adds a key at the end and keeps the old ones until no history needs them.
 *
 * Keys come from a KeyProvider: the environment or a file today, a KMS later (same interface).
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { DATA_REGIONS, type DataRegion } from '../domain/regions';

export const KEY_REGIONS = ['global', ...DATA_REGIONS] as const;
export type KeyRegion = 'global' | DataRegion;

const KEY_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

const KeyEntry = z
  .object({
    id: z.string().regex(KEY_ID, 'must be 1-64 letters, digits, ".", "_" or "-"'),
    region: z.enum(KEY_REGIONS, `must be one of ${KEY_REGIONS.join(', ')}`).default('global'),
    key: z
      .string()
      .refine(
        (b64) => /^[A-Za-z0-9+/]+={0,2}$/.test(b64) && Buffer.from(b64, 'base64').length === 32,
        'must be 32 bytes in base64 (e.g. `openssl rand -base64 32`)',
      ),
  })
  .strict();

/** The key ring as written in LOCKOUT_CODEC_KEYS or the LOCKOUT_CODEC_KEYS_FILE file. */
export const KeyRingFile = z
  .object({ keys: z.array(KeyEntry).min(1, 'must list at least one key') })
  .strict()
  .refine((ring) => new Set(ring.keys.map((k) => k.id)).size === ring.keys.length, {
    message: 'key ids must be unique',
    path: ['keys'],
  })
  .refine((ring) => ring.keys.some((k) => k.region === 'global'), {
    message: 'must list a key of region "global" (it encrypts everything that has no data region)',
    path: ['keys'],
  });
export type KeyRingFile = z.input<typeof KeyRingFile>;

export interface CodecKey {
  id: string;
  region: KeyRegion;
  key: Buffer;
}

/** A wrong or missing key: says which key, and what to configure. Never contains key material. */
export class CodecKeyError extends Error {
  override name = 'CodecKeyError';
}

export class KeyRing {
  private readonly byId: Map<string, CodecKey>;

  constructor(readonly keys: readonly CodecKey[]) {
    this.byId = new Map(keys.map((k) => [k.id, k]));
  }

  /** The key that encrypts payloads of `region`: the newest one configured for it. */
  encryptingKey(region: KeyRegion): CodecKey {
    const key = this.keys.filter((k) => k.region === region).at(-1);
    if (!key)
      throw new CodecKeyError(
        `no "${region}" key is configured here, so this process may not write ${region.toUpperCase()} data: add one to the key ring (docs/privacy.md)`,
      );
    return key;
  }

  /** The key a payload names, or a clear error when this process does not hold it. */
  decryptingKey(id: string): CodecKey {
    const key = this.byId.get(id);
    if (!key)
      throw new CodecKeyError(
        `payload encrypted with key "${id}", which is not in this process's key ring: add it (docs/privacy.md, key rotation)`,
      );
    return key;
  }

  /** Key ids and regions, for start-up output (never the keys). */
  describe(): string {
    return this.keys.map((k) => `${k.id} (${k.region})`).join(', ');
  }
}

/** Parses a key ring's JSON text; `where` names its origin in the error. */
export function parseKeyRing(text: string, where: string): KeyRing {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CodecKeyError(`${where} is not JSON: write {"keys": [{"id": …, "region": …, "key": …}]}`);
  }
  const parsed = KeyRingFile.safeParse(json);
  if (!parsed.success)
    throw new CodecKeyError(
      `${where}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'} ${i.message}`).join('; ')}`,
    );
  return new KeyRing(
    parsed.data.keys.map((k) => ({ id: k.id, region: k.region, key: Buffer.from(k.key, 'base64') })),
  );
}

/** Where keys come from. A KMS-backed provider implements the same two members. */
export interface KeyProvider {
  /** Says where the keys come from, for start-up output and errors. */
  readonly source: string;
  load(): Promise<KeyRing>;
}

/** Keys in an environment variable (JSON text). */
export function environmentKeyProvider(name: string, env: NodeJS.ProcessEnv = process.env): KeyProvider {
  return {
    source: `environment variable ${name}`,
    load: async () => {
      const text = env[name];
      if (!text?.trim()) throw new CodecKeyError(`${name} is empty: set it to a key ring (docs/privacy.md)`);
      return parseKeyRing(text, name);
    },
  };
}

/** Keys in a file (JSON), read at each load: rotation is "edit the file, restart". */
export function fileKeyProvider(file: string): KeyProvider {
  return {
    source: `file ${file}`,
    load: async () => {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (err) {
        throw new CodecKeyError(`cannot read the key ring ${file}: ${(err as NodeJS.ErrnoException).code}`);
      }
      return parseKeyRing(text, file);
    },
  };
}
