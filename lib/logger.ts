/**
 * Structured JSON logs. Secrets and personal data are redacted by key wherever they appear, so a
 * careless log call cannot leak a token or a phone number.
 */
import pino, { type Logger } from 'pino';

export const REDACTED_KEYS = [
  'password',
  'pass',
  'secret',
  'token',
  'apiKey',
  'authorization',
  'cookie',
  'email',
  'phone',
  'to',
  'address',
];

export function createLogger(level: string, name: string, destination?: pino.DestinationStream): Logger {
  const paths = REDACTED_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]);
  return pino({ name, level, redact: { paths, censor: '[redacted]' } }, destination);
}

export type { Logger };
