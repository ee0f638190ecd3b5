/**
 * The published journey modes in the shared store: every worker switches and every gateway reads
 * the same rows. A switch locks its journey's row (SELECT … FOR UPDATE), so two workers switching
 * the same journey at once are applied one after the other, each seeing the other's result.
 */
import {
  decideJourneySwitch,
  initialJourneys,
  JourneyState,
  type Journey,
  type JourneyModes,
  type JourneysDocument,
  type JourneySwitch,
  type JourneySwitchOutcome,
} from '../domain/journeys';
import type { Database } from './database';

export async function readJourneyModes(
  db: Pick<Database, 'query'>,
  now = new Date(),
): Promise<JourneysDocument> {
  const rows = await db.query<{ journey: Journey; state: unknown; updated_at: Date }>(
    'SELECT journey, state, updated_at FROM journey_modes',
  );
  const doc = initialJourneys(now.toISOString());
  if (!rows.length) return doc;
  let updatedAt = rows[0]!.updated_at;
  for (const row of rows) {
    // A journey the product no longer has is ignored; one added later starts out normal.
    if (!(row.journey in doc.journeys)) continue;
    const parsed = JourneyState.safeParse(row.state);
    if (!parsed.success)
      throw new Error(`journey_modes row ${row.journey}: ${parsed.error.issues[0]?.message}`);
    doc.journeys[row.journey] = parsed.data;
    if (row.updated_at > updatedAt) updatedAt = row.updated_at;
  }
  return { ...doc, updatedAt: updatedAt.toISOString() };
}

export async function switchJourneyMode(
  db: Database,
  change: JourneySwitch,
  at?: Date,
): Promise<JourneySwitchOutcome> {
  return db.transaction(async (tx) => {
    const now = at ?? new Date();
    // The row exists before it is locked: a first switch by two workers must not both insert.
    await tx.query(
      `INSERT INTO journey_modes (journey, state, updated_at) VALUES ($1, $2, $3) ON CONFLICT (journey) DO NOTHING`,
      [change.journey, JSON.stringify(initialJourneys(now.toISOString()).journeys[change.journey]), now],
    );
    const [row] = await tx.query<{ state: unknown }>(
      'SELECT state FROM journey_modes WHERE journey = $1 FOR UPDATE',
      [change.journey],
    );
    const outcome = decideJourneySwitch(JourneyState.parse(row!.state), change, now);
    if (outcome.changed)
      await tx.query('UPDATE journey_modes SET state = $2, updated_at = $3 WHERE journey = $1', [
        change.journey,
        JSON.stringify(outcome.state),
        now,
      ]);
    return outcome;
  });
}

/** The modes in the shared store, as the activities and the gateway use them. */
export function storeJourneyModes(db: Database): JourneyModes {
  return {
    describe: `the journey_modes table (${db.describe})`,
    read: (now) => readJourneyModes(db, now),
    switch: (change, at) => switchJourneyMode(db, change, at),
  };
}
