import type { IncidentState } from './incident-state';
import { notify, type Notification } from './notify';

/**
 * A notification sent by a background loop (escalation, clock warnings, cadence updates).
 * Counted as in flight, so continue-as-new never cuts one off halfway.
 */
export async function notifyInBackground(incident: IncidentState, n: Notification): Promise<void> {
  incident.busy++;
  try {
    await notify(incident, n);
  } finally {
    incident.busy--;
  }
}
