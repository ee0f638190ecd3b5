/** The one place that chooses the evidence store: the S3 bucket when configured, else the directory. */
import type { Config } from '../config/env';
import { directoryStore, type EvidenceStore } from './store';

export function evidenceStoreFromConfig(settings: Pick<Config['evidence'], 'dir' | 's3'>): EvidenceStore {
  if (!settings.s3) return directoryStore(settings.dir);
  // Loaded only when configured: the AWS SDK takes about 0.1 s to load, which every CLI command,
  // worker and gateway start would pay otherwise.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { s3Store } = require('./s3-store') as typeof import('./s3-store');
  return s3Store(settings.s3);
}
