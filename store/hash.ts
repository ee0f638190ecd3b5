/** Secrets (session ids, tokens) are stored and keyed only as their SHA-256. */
import { createHash } from 'node:crypto';

export const sha256 = (secret: string): string => createHash('sha256').update(secret).digest('base64url');
