/** What activities need from the outside world, injected by the worker (and by tests). */
import type { Transporter } from 'nodemailer';
import type { LinkSettings } from '../links/issue';
import type { MessageLinks } from '../comms/context';
import type { Directory } from '../comms/directory';
import type { OutboxRecord } from '../comms/outbox';
import type { SentLedger } from '../comms/sent-ledger';
import type { Template } from '../comms/templates';
import type { IncidentStatus } from '../domain/incident';
import type { Runbook } from '../domain/runbook';
import type { ContinuityDeps } from './continuity-deps';
import type { SalesforceDeps } from '../salesforce/deps';
import type { CrisisBudgetConfig } from '../domain/crisis-budget';

export interface ActivityDeps {
  /** Current responder directory; read at notification time so contact changes apply at once. */
  directory(): Directory;
  templates(): Map<string, Template>;
  email: {
    transport: Transporter;
    from: string;
    /** `local-sink`: no SMTP server is configured and messages land in the on-disk outbox. */
    mode: 'smtp' | 'local-sink';
  };
  links(incidentId: string): MessageLinks;
  /** The incident's full current status (its `status` query), for templates that print its timeline. */
  incidentStatus?(incidentId: string): Promise<IncidentStatus>;
  messaging: MessagingDeps;
  /** TLS checks, expiry watch, remediation hooks, journey modes. */
  continuity: ContinuityDeps;
  /** Salesforce activities, CRM sync and procurement; absent: every Salesforce step says "not configured". */
  salesforce?: SalesforceDeps;
  /** The runbooks a reclassified incident may move to (read at each request); absent: none. */
  runbooks?(): readonly Runbook[];
  /** The evidence store closing incidents archive their packs into (docs/evidence.md); absent: none. */
  evidence?: EvidenceDeps;
  /** The crisis budget watch (config/crisis-budget.yaml and the open incidents); absent: not configured. */
  budget?: { config(): CrisisBudgetConfig; openIncidents(): Promise<IncidentStatus[]> };
  /** Signing one-click links in messages; undefined when LOCKOUT_LINK_SECRET is not set. */
  signedLinks?: LinkSettings;
}

/** SMS, voice and webhook delivery, and what all channels share. */
export interface MessagingDeps {
  /** LOCKOUT_DATA_DIR/outbox: messages of channels without credentials wait here. */
  outboxDir: string;
  /** Provider acceptances by idempotency key: a retry never sends twice. */
  sent: SentLedger;
  /** The shared store's outbox (several workers); unset: files under outboxDir. */
  sharedOutbox?: (key: string, record: OutboxRecord) => Promise<unknown>;
  /** Twilio for SMS and voice calls; undefined → outbox. */
  twilio?: TwilioConfig;
  /** SMS end with "Reply ACK <code>…" (LOCKOUT_SMS_REPLIES=on: the gateway takes the replies). */
  smsReplies?: boolean;
  /** Secrets named in the directory (`urlEnv` of webhooks), looked up at send time. */
  secret(name: string): string | undefined;
}

export interface TwilioConfig {
  accountSid: string;
  /** Auth token, or an API key SID (SK…) and its secret. */
  auth: { authToken: string } | { apiKeySid: string; apiKeySecret: string };
  /** Sender: an E.164 number, or a Messaging Service SID (MG…) for SMS. */
  from: string;
  /** Voice caller id when `from` is a Messaging Service (defaults to `from`). */
  voiceFrom?: string;
  /** Base URL of Twilio's REST API (an egress gateway, or a loopback server in tests). */
  apiUrl?: string;
  /** Extra CA certificates (PEM) to trust for apiUrl. */
  ca?: string;
}

export interface EvidenceDeps {
  /** Builds the incident's pack from its status and history and writes it to the store once. */
  archive(incidentId: string): Promise<{
    outcome: 'archived' | 'already-archived';
    location: string;
    seal: string;
    notes: string[];
  }>;
}
