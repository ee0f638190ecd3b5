/** The `lockout` command as this deployment wires it: bin/lockout.js runs this. */
import { run as runCli } from '../cli/main';
import type { CliServices } from '../cli/services';
import { salesforceExpirySource } from '../salesforce/expiry-source';
import { SalesforceSession } from '../salesforce/session';
import { continuityDeps } from './continuity';
import { intakeFromConfig } from './gateway';

const services: CliServices = {
  intake: (config, client) => intakeFromConfig(config, client),
  continuity: (config) =>
    continuityDeps(config, {
      extraSources: [
        salesforceExpirySource(config.salesforce ? new SalesforceSession(config.salesforce) : undefined),
      ],
    }),
};

export function run(argv: string[]): Promise<number> {
  return runCli(argv, services);
}
