/**
 * Incidents this process recently opened or joined, with their run: the next alert for one of
 * them goes to that run as a plain signal instead of a signalWithStart that carries the whole
 * runbook again (the server ignores a start's input when the workflow is running). Should the run
 * have ended (closed, or continued as new), the signal finds no workflow and the alert takes the
 * signalWithStart after all, so nothing is lost. Bounded: the oldest are forgotten first.
 */
export interface RunningIncident {
  runId: string;
  runbook: string;
  note?: string;
}

const KEEP = 10_000;

export class RunningIncidents {
  private readonly runs = new Map<string, RunningIncident>();

  get(incidentId: string): RunningIncident | undefined {
    return this.runs.get(incidentId);
  }

  remember(incidentId: string, run: RunningIncident): void {
    this.runs.delete(incidentId);
    this.runs.set(incidentId, run);
    if (this.runs.size > KEEP) this.runs.delete(this.runs.keys().next().value!);
  }

  forget(incidentId: string): void {
    this.runs.delete(incidentId);
  }
}
