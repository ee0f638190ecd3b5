/** What the Salesforce activities need, injected through ActivityDeps (workers and tests). */
import { dirStamp, live, mtimeStamp } from '../lib/live';
import { loadYamlFile } from '../lib/yaml-file';
import { KeyAccountCriteria } from './key-accounts';
import { PermissionBaseline } from './permissions';
import { SalesforceSession } from './session';
import { loadSalesforceTemplates, type SalesforceTemplate } from './templates';

export interface SalesforceDeps {
  /** Undefined: Salesforce is not configured (diagnostics say so, remediation refuses). */
  session?: SalesforceSession;
  /** Current baseline file; an edit that breaks it keeps the last good version. */
  permissionBaseline(): PermissionBaseline;
  keyAccounts(): KeyAccountCriteria;
  /** templates/salesforce/: the Case/Chatter text and the procurement letter. */
  templates(): Map<string, SalesforceTemplate>;
  procurementPackDir: string;
  /** Share of the daily API requests (%) the CRM sync leaves for everything else. */
  apiReservePercent: number;
}

export interface SalesforceDepsOptions {
  session?: SalesforceSession;
  permissionBaselineFile: string;
  keyAccountsFile: string;
  templatesDir: string;
  procurementPackDir: string;
  apiReservePercent: number;
  /** Called when an edited file is broken (the last good version stays in use). */
  onFileError?: (what: string, err: Error) => void;
}

export function salesforceDeps(options: SalesforceDepsOptions): SalesforceDeps {
  const report = (what: string) => (err: Error) => options.onFileError?.(what, err);
  return {
    session: options.session,
    permissionBaseline: live(
      () => mtimeStamp(options.permissionBaselineFile),
      () => loadYamlFile(options.permissionBaselineFile, PermissionBaseline),
      report('Salesforce permission baseline'),
    ),
    keyAccounts: live(
      () => mtimeStamp(options.keyAccountsFile),
      () => loadYamlFile(options.keyAccountsFile, KeyAccountCriteria),
      report('key-account criteria'),
    ),
    templates: live(
      () => dirStamp(options.templatesDir),
      () => loadSalesforceTemplates(options.templatesDir),
      report('Salesforce templates'),
    ),
    procurementPackDir: options.procurementPackDir,
    apiReservePercent: options.apiReservePercent,
  };
}
