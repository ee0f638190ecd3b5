/** The one place that chooses the evidence store: the S3 bucket when configured, else the directory. */
import type { Config } from '../config/env';
import { s3Store } from './s3-store';
import { directoryStore, type EvidenceStore } from './store';

export function evidenceStoreFromConfig(settings: Pick<Config['evidence'], 'dir' | 's3'>): EvidenceStore {
  return settings.s3 ? s3Store(settings.s3) : directoryStore(settings.dir);
}
