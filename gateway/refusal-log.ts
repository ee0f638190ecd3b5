/**
 * Refused links are evidence, so they go to the incident's timeline; but anyone can send links,
 * and each signal grows the incident's history. So a refusal is recorded only on a running
 * lockout incident (never on a sync buffer or a made-up id), and each kind of refusal (same link
 * kind, step, person and reason) goes at once only the first time in a window: repeats are
 * counted and sent as one summary when the window ends. A flood of 10,000 forged links costs an
 * incident two signals a minute per gateway (forged claims are not trusted, so they all look
 * alike), and no incident gets more than MAX_KINDS_PER_INCIDENT kinds a window.
 */
import type { Client } from '@temporalio/client';
import type { LinkRefusalInput } from '../domain/responder-input';
import { recordRefusedLink } from '../client/actions';
import { INCIDENT_WORKFLOW_TYPE, isIncidentId } from '../client/ids';

export interface RefusalLogOptions {
  /** Default one minute. */
  windowMs?: number;
  /** Incidents tracked at once (memory bound); beyond it refusals are not recorded. Default 1,000. */
  maxIncidents?: number;
  now?: () => number;
}

/** Distinct refusals per incident and window; beyond it they are only logged by the route. */
const MAX_KINDS_PER_INCIDENT = 20;

interface Window {
  incidentId: string;
  counted: number;
  latest?: LinkRefusalInput;
  timer: NodeJS.Timeout;
}

export class RefusalLog {
  private readonly windowMs: number;
  private readonly maxIncidents: number;
  private readonly now: () => number;
  /** One per incident and kind of refusal. */
  private readonly windows = new Map<string, Window>();
  private readonly perIncident = new Map<string, number>();
  /** Whether an id is a running incident, remembered for a window. */
  private readonly known = new Map<string, { at: number; running: boolean }>();
  /** Summaries being sent (so close() can wait for them). */
  private readonly sending = new Set<Promise<unknown>>();

  constructor(
    private readonly client: Client,
    options: RefusalLogOptions = {},
  ) {
    this.windowMs = options.windowMs ?? 60_000;
    this.maxIncidents = options.maxIncidents ?? 1_000;
    this.now = options.now ?? Date.now;
  }

  /** Whether the refusal will reach the incident's timeline (now, or in the window's summary). */
  async record(incidentId: string, refusal: LinkRefusalInput): Promise<boolean> {
    if (!(await this.isRunningIncident(incidentId))) return false;
    const key = [incidentId, refusal.kind, refusal.step, refusal.person, refusal.reason].join('\0');
    const open = this.windows.get(key);
    if (open) {
      open.counted++;
      open.latest = refusal;
      return true;
    }
    if (this.windows.size >= this.maxIncidents * MAX_KINDS_PER_INCIDENT) return false;
    if ((this.perIncident.get(incidentId) ?? 0) >= MAX_KINDS_PER_INCIDENT) return false;
    // The window closes on its timer: repeats are summed then, and the kind may go at once again.
    const timer = setTimeout(() => this.flush(key), this.windowMs).unref();
    this.windows.set(key, { incidentId, counted: 0, timer });
    this.perIncident.set(incidentId, (this.perIncident.get(incidentId) ?? 0) + 1);
    return this.send(incidentId, refusal);
  }

  /** Sends what is still counted, and waits for every signal in flight. */
  async close(): Promise<void> {
    for (const id of [...this.windows.keys()]) this.flush(id);
    await Promise.allSettled([...this.sending]);
  }

  private flush(key: string): void {
    const open = this.windows.get(key);
    if (!open) return;
    clearTimeout(open.timer);
    this.windows.delete(key);
    const left = (this.perIncident.get(open.incidentId) ?? 1) - 1;
    if (left > 0) this.perIncident.set(open.incidentId, left);
    else this.perIncident.delete(open.incidentId);
    if (!open.counted || !open.latest) return;
    void this.send(open.incidentId, { ...open.latest, count: open.counted });
  }

  private async send(incidentId: string, refusal: LinkRefusalInput): Promise<boolean> {
    const sent = recordRefusedLink(this.client, incidentId, refusal).then(
      () => true,
      () => false, // closed meanwhile: nothing to record it in
    );
    this.sending.add(sent);
    try {
      return await sent;
    } finally {
      this.sending.delete(sent);
    }
  }

  private async isRunningIncident(id: string): Promise<boolean> {
    if (!isIncidentId(id)) return false;
    const now = this.now();
    const cached = this.known.get(id);
    if (cached && now - cached.at < this.windowMs) return cached.running;
    let running: boolean;
    try {
      const description = await this.client.workflow.getHandle(id).describe();
      running = description.type === INCIDENT_WORKFLOW_TYPE && description.status.name === 'RUNNING';
    } catch {
      running = false; // no such workflow, or Temporal unreachable: nothing recorded
    }
    if (this.known.size >= this.maxIncidents * 10) this.known.clear();
    this.known.set(id, { at: now, running });
    return running;
  }
}
