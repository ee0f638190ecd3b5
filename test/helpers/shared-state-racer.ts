/**
 * One of several processes racing on the shared store (test/shared-state.test.ts):
 * `tsx test/helpers/shared-state-racer.ts` with LOCKOUT_DATABASE_URL, RACER and KEYS set. Claims
 * every key as its own holder, takes and frees Salesforce slots, and prints what it won as JSON.
 */
import { openStore } from '../../store/open';
import { claimSignature } from '../../store/alert-signatures';
import { claimSend, recordAccepted } from '../../store/sent-messages';
import { sharedOrgLimits } from '../../salesforce/org-limits';
import { switchJourneyMode } from '../../store/journey-modes';

async function main(): Promise<void> {
  const racer = process.env.RACER!;
  const keys = process.env.KEYS!.split(',');
  const { db } = await openStore({ kind: 'postgresql', url: process.env.LOCKOUT_DATABASE_URL! });
  const sends: string[] = [];
  const signatures: string[] = [];
  let inFlight = 0;
  let peak = 0;
  const limits = sharedOrgLimits(db, { maxConcurrent: 3 });
  await Promise.all(
    keys.map(async (key) => {
      const claim = await claimSend(db, key, { holder: `racer-${racer}`, attempt: 1, leaseMs: 60_000 });
      if (claim.kind === 'claimed') {
        sends.push(key);
        await recordAccepted(db, key, { messageId: `<${key}@${racer}>`, detail: `sent by ${racer}` });
      }
      if (await claimSignature(db, `sig-${key}`, new Date(Date.now() + 60_000))) signatures.push(key);
      const release = await limits.acquire('race-org');
      // The peak is per process; the test reads the org-wide one from the store's rows.
      peak = Math.max(peak, ++inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      await release();
      await switchJourneyMode(db, {
        journey: 'checkout-validation',
        mode: Number(key.slice(-1)) % 2 ? 'fallback' : 'normal',
        incidentId: `inc-${racer}`,
        step: `step-${key}`,
      });
    }),
  );
  await db.close();
  process.stdout.write(`${JSON.stringify({ racer, sends, signatures, peak })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
