/**
 * A separate worker process switching one journey `times` times on a shared journeys file,
 * ending in fallback: `node -r tsx/cjs switch-journey.ts <file> <journey> <times>`.
 */
import { switchJourney } from '../../journeys/journeys-file';
import type { Journey } from '../../domain/journeys';

async function main(): Promise<void> {
  const [file, journey, times] = process.argv.slice(2) as [string, Journey, string];
  for (let i = Number(times) - 1; i >= 0; i--) {
    await switchJourney(file, {
      journey,
      mode: i % 2 === 0 ? 'fallback' : 'normal',
      incidentId: `lockout-${process.pid}`,
      step: `switch-${i}`,
    });
  }
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
