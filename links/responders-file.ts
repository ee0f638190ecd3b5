/**
 * Who may sign in to the status page with a token (LOCKOUT_RESPONDERS_FILE): person ids of the
 * directory, each with the SHA-256 of their token(s). Tokens themselves are never stored; a list
 * of hashes lets a person rotate their token. Removing a person ends their sessions at once.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { z } from 'zod';
import { loadYamlFile } from '../lib/yaml-file';

const Sha256 = z
  .string()
  .regex(
    /^[0-9a-f]{64}$/,
    'must be the SHA-256 of the token in hex: run `npx lockout responder-token <person>`',
  );
const PersonId = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be a person id of the directory');

export const RespondersFile = z
  .object({
    responders: z
      .record(
        PersonId,
        z
          .object({
            tokenSha256: z
              .union([Sha256, z.array(Sha256).min(1)])
              .transform((h) => (Array.isArray(h) ? h : [h])),
          })
          .strict(),
      )
      .nullable()
      .default({})
      .transform((r) => r ?? {}),
  })
  .strict();

/** Token hash → person id. */
export type Responders = ReadonlyMap<string, string>;

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A new random token and the line to add to the responders file. */
export function newResponderToken(): { token: string; sha256: string } {
  const token = `lrt_${randomBytes(24).toString('base64url')}`;
  return { token, sha256: hashToken(token) };
}

/** A missing file means nobody can sign in with a token (the page says so), not a crash. */
export function loadResponders(file: string): Responders {
  if (!existsSync(file)) return new Map();
  const parsed = loadYamlFile(file, RespondersFile);
  const byHash = new Map<string, string>();
  for (const [person, { tokenSha256 }] of Object.entries(parsed.responders))
    for (const hash of tokenSha256) byHash.set(hash, person);
  return byHash;
}

export function personForToken(responders: Responders, token: string): string | undefined {
  return token ? responders.get(hashToken(token.trim())) : undefined;
}
