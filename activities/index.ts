/**
 * Every side effect the incident workflow can have. Activities are created with their
 * dependencies so the worker, tests and the simulator can each supply their own.
 */
import { approverActivities } from './approvers';
import { audienceActivities } from './audience';
import type { ActivityDeps } from './deps';
import { emailActivities } from './email';
import { evidenceActivities } from './evidence';
import { httpCheckActivities } from './http-check';
import { twilioActivities } from './twilio';
import { webhookActivities } from './webhook';
import { notificationActivities } from './notification';
import { expiryWatchActivities } from './expiry-watch';
import { journeyActivities } from './journeys';
import { remediationHookActivities } from './remediation-hooks';
import { tlsActivities } from './tls';
import { salesforceActivities } from './salesforce';
import { readinessActivities } from './readiness';
import { crisisBudgetActivities } from './crisis-budget';
import { runbookActivities } from './runbooks';

export function createActivities(deps: ActivityDeps) {
  const email = emailActivities(deps);
  const twilio = twilioActivities(deps);
  const webhook = webhookActivities(deps);
  return {
    ...audienceActivities(deps),
    ...approverActivities(deps),
    ...email,
    ...httpCheckActivities(),
    ...twilio,
    ...webhook,
    ...notificationActivities(deps, {
      email: email.sendEmail,
      sms: twilio.sendSms,
      voice: twilio.placeVoiceCall,
      webhook: webhook.postWebhook,
    }),
    ...tlsActivities(deps),
    ...expiryWatchActivities(deps),
    ...remediationHookActivities(deps),
    ...journeyActivities(deps),
    ...salesforceActivities(deps),
    ...runbookActivities(deps),
    ...evidenceActivities(deps),
    ...readinessActivities(deps),
    ...crisisBudgetActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
export type { ActivityDeps } from './deps';
