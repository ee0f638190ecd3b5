/**
 * The crisis budget watch, one run per tick of its Temporal Schedule (client/budget-watch-schedule.ts):
 * every open incident's cost ledger at the run's time, the incident commander warned once at the
 * warning share, the finance and executive roles asked once for each spend that would go over.
 * It runs beside the incidents, so their workflows issue no command for it.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { BudgetWatchReport } from '../activities/crisis-budget';

const { checkCrisisBudgets } = proxyActivities<Activities>({
  startToCloseTimeout: '2m',
  retry: { maximumAttempts: 5, maximumInterval: '1m' },
});

export async function crisisBudgetWatch(): Promise<BudgetWatchReport> {
  return checkCrisisBudgets(new Date().toISOString());
}
