/** Turning what a source sent into the Alert every incident understands. */
import type { Alert } from '../domain/alert';
import { classify, NO_RULES } from './classify';
import { parseGeneric } from './sources/generic';

export { AlertRejected } from './source-alert';
export { deriveFingerprint } from './fingerprint';

/**
 * The generic JSON format without classification rules, as `lockout trigger` sends it: what the
 * alert states, and the defaults (pattern `unclassified`, region `global`) for what it does not.
 */
export function parseGenericAlert(body: unknown, receivedAt = new Date()): Alert {
  const [alert] = parseGeneric(body).alerts;
  return classify(NO_RULES, alert!, receivedAt).alert;
}
