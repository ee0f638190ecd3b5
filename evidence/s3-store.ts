/**
 * The evidence store in an S3-compatible bucket (AWS, MinIO, Ceph, R2…): one key folder per
 * incident under the prefix, every object written once (`If-None-Match: *`), manifest.json last.
 * A pack is whole only when its manifest is there; a folder without one is a writer that died or
 * is still writing. A file another archive of the same incident wrote first is kept and this
 * pack's manifest is sealed over it, so whichever manifest lands first describes exactly the
 * objects in the bucket and the pack verifies (docs/evidence.md, "The S3 store").
 */
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  type PutObjectCommandInput,
} from '@aws-sdk/client-s3';
import type { S3StoreSettings } from '../config/evidence-env';
import { MANIFEST, manifestEntry, sealOf, type Manifest, type PackFiles } from './pack';
import {
  archivedPack,
  byGeneratedDesc,
  folderFor,
  keepExisting,
  PLAIN_NAME,
  type ArchivedPack,
  type EvidenceStore,
} from './store';

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  pdf: 'application/pdf',
  json: 'application/json',
  jsonl: 'application/x-ndjson',
};

const DAY_MS = 86_400_000;

export function s3ClientFor(settings: S3StoreSettings): S3Client {
  return new S3Client({
    region: settings.region,
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    forcePathStyle: settings.pathStyle,
  });
}

const status = (err: unknown) =>
  err instanceof S3ServiceException ? err.$metadata.httpStatusCode : undefined;

/** `client`: one built from `settings` unless given (tests pass one with their own credentials). */
export function s3Store(settings: S3StoreSettings, client: S3Client = s3ClientFor(settings)): EvidenceStore {
  const { bucket, prefix } = settings;
  const base = (incidentId: string) => `${prefix}${folderFor(incidentId)}/`;
  const where = (key: string) =>
    `s3://${bucket}/${key}${settings.endpoint ? ` (${new URL(settings.endpoint).host})` : ''}`;

  const get = async (key: string): Promise<Buffer | undefined> => {
    try {
      const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return Buffer.from(await out.Body!.transformToByteArray());
    } catch (err) {
      if (status(err) === 404) return undefined;
      throw err;
    }
  };

  const exists = async (key: string): Promise<boolean> => {
    try {
      await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return true;
    } catch (err) {
      if (status(err) === 404) return false;
      throw err;
    }
  };

  async function keys(under: string): Promise<string[]> {
    const found: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: under, ContinuationToken: token }),
      );
      for (const o of page.Contents ?? []) if (o.Key) found.push(o.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return found;
  }

  /** Every plain-named object of the folder (a key with a path in it cannot be a pack's file). */
  async function readFolder(incidentId: string): Promise<PackFiles | undefined> {
    const folder = base(incidentId);
    const names = (await keys(folder)).map((k) => k.slice(folder.length)).filter((n) => PLAIN_NAME.test(n));
    if (!names.length) return undefined;
    const files: PackFiles = new Map();
    for (const name of names.sort()) {
      const data = await get(folder + name);
      if (data) files.set(name, data);
    }
    return files;
  }

  /**
   * Writes the object unless one is there. `written`: ours; otherwise the bytes that stand (the
   * same as ours, or another archive's). A 409 is S3 resolving a concurrent conditional write.
   */
  async function putOnce(key: string, data: Buffer): Promise<'written' | Buffer> {
    const input: PutObjectCommandInput = {
      Bucket: bucket,
      Key: key,
      Body: data,
      ContentType: TYPES[key.split('.').pop() ?? ''] ?? 'application/octet-stream',
      IfNoneMatch: '*',
      ChecksumAlgorithm: 'SHA256',
      ...(settings.retainDays
        ? {
            ObjectLockMode: 'COMPLIANCE',
            ObjectLockRetainUntilDate: new Date(Date.now() + settings.retainDays * DAY_MS),
          }
        : {}),
    };
    for (let attempt = 1; ; attempt++) {
      try {
        await client.send(new PutObjectCommand(input));
        return 'written';
      } catch (err) {
        const code = status(err);
        if (code === 409 && attempt < 5) {
          await new Promise((r) => setTimeout(r, 200 * attempt));
          continue;
        }
        if (code !== 412) throw writeFailed(key, err);
        const standing = await get(key);
        if (standing) return standing;
        throw new Error(`${where(key)} was refused as already there, yet cannot be read back`, {
          cause: err,
        });
      }
    }
  }

  const writeFailed = (key: string, err: unknown) => {
    const message = (err as Error).message;
    const hint =
      settings.retainDays && /object ?lock/i.test(message)
        ? ' (LOCKOUT_EVIDENCE_S3_RETAIN_DAYS needs a bucket created with Object Lock enabled)'
        : '';
    return new Error(`could not write ${where(key)}: ${message}${hint}`, { cause: err });
  };

  /** The manifest again, over the bytes that stand in the bucket: its hashes, a note, a new seal. */
  function resealed(manifest: Manifest, files: PackFiles, kept: string[]): Manifest {
    const { seal: _old, ...unsealed } = {
      ...manifest,
      files: manifest.files.map((f) => manifestEntry(f.name, files.get(f.name)!)),
      notes: [
        ...manifest.notes,
        `${kept.join(', ')} kept as another archive of this incident had already written ${kept.length > 1 ? 'them' : 'it'} (objects are written once)`,
      ],
    };
    return { ...unsealed, seal: sealOf(unsealed) };
  }

  const standingPack = async (incidentId: string) =>
    keepExisting(incidentId, where(base(incidentId)), (await readFolder(incidentId)) ?? new Map());

  return {
    description: where(prefix),
    async locate(incidentId) {
      return (await exists(base(incidentId) + MANIFEST)) ? where(base(incidentId)) : undefined;
    },
    async list(): Promise<ArchivedPack[]> {
      const manifests = (await keys(prefix)).filter((k) => {
        const rest = k.slice(prefix.length).split('/');
        return rest.length === 2 && rest[1] === MANIFEST;
      });
      const packs = await Promise.all(
        manifests.map(async (key): Promise<ArchivedPack[]> => {
          try {
            const manifest = JSON.parse((await get(key))?.toString('utf8') ?? '') as Manifest;
            return [archivedPack(manifest, where(key.slice(0, -MANIFEST.length)))];
          } catch {
            return []; // not a manifest: `lockout evidence fetch` then `verify` says why
          }
        }),
      );
      return packs.flat().sort(byGeneratedDesc);
    },
    async read(incidentId, file) {
      if (!PLAIN_NAME.test(file)) return undefined;
      if (file !== MANIFEST && !(await exists(base(incidentId) + MANIFEST))) return undefined;
      return get(base(incidentId) + file);
    },
    pack: readFolder,
    async archive(incidentId, build) {
      const folder = base(incidentId);
      if (await exists(folder + MANIFEST)) return standingPack(incidentId);
      const built = await build();
      const files: PackFiles = new Map(built.files);
      const kept: string[] = [];
      for (const [name, data] of [...files]
        .filter(([n]) => n !== MANIFEST)
        .sort(([a], [b]) => a.localeCompare(b))) {
        const outcome = await putOnce(folder + name, data);
        if (outcome !== 'written' && !outcome.equals(data)) {
          files.set(name, outcome);
          kept.push(name);
        }
      }
      // A half-written folder may hold a file this build does not make: sealing over it would leave a pack that does not verify.
      const extra = (await keys(folder)).filter((k) => !files.has(k.slice(folder.length)));
      if (extra.length)
        throw new Error(
          `${extra.map(where).join(', ')} ${extra.length > 1 ? 'are' : 'is'} in the folder of ${incidentId} but not in its pack (left by an archive that did not finish?): no manifest written, the objects are left as they are for investigation`,
        );
      const manifest = kept.length ? resealed(built.manifest, files, kept) : built.manifest;
      const manifestBytes = kept.length
        ? Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`)
        : built.files.get(MANIFEST)!;
      // The first manifest in wins: if it is not ours, the pack that stands must be whole and this incident's.
      if ((await putOnce(folder + MANIFEST, manifestBytes)) !== 'written') return standingPack(incidentId);
      return { outcome: 'archived', location: where(folder), seal: manifest.seal, notes: manifest.notes };
    },
  };
}
