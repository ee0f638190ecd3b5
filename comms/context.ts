/**
 * What a template can say about an incident. The schema is the contract: `messageContext`
 * builds exactly this shape (every key present, null when unknown), and the template checker
 * reads the schema to refuse variables an incident does not have, or may not have.
 */
import { z } from 'zod';
import { resolveCommand } from '../domain/alerts-resolved';
import { formatDuration } from '../domain/duration';
import { PATTERN_CHOICES, reclassifyCommand } from '../domain/reclassification';
import type { IncidentStatus } from '../domain/incident';
import { annexAEvidence, controlsAffected, gdprFacts, openRisks, remediationSteps } from './compliance';
import { personWithRole, type Directory, type Recipient } from './directory';

export interface MessageLinks {
  /** The incident in the Temporal Web UI. */
  webUi: string;
}

const text = z.string();
const maybe = z.string().nullable();
const Contact = z.object({ name: text, email: maybe, phone: maybe }).nullable();
const StepView = z.object({
  id: text,
  kind: text,
  title: text,
  state: text,
  startedAt: text,
  endedAt: maybe,
  ok: z.boolean().nullable(),
  summary: maybe,
});

export const MessageContext = z.object({
  recipient: z.object({ name: text, timezone: text, via: maybe }),
  organisation: z.object({ name: text, supervisoryAuthority: maybe }),
  contacts: z.object({ dpo: Contact, incidentCommander: Contact, compliance: Contact }),
  incident: z.object({
    id: text,
    title: text,
    pattern: text,
    severity: text,
    region: text,
    euPersonalData: z.boolean(),
    source: text,
    description: maybe,
    /** Vary per incident: templates may only iterate them. */
    labels: z.record(z.string(), z.string()),
    phase: text,
    detectedAt: text,
    /** When the workflow took this snapshot of the incident. */
    asOf: text,
    openFor: text,
    alertCount: z.number(),
    escalationLevel: z.number(),
    escalationLevels: z.number(),
    runbook: z.object({ id: text, version: z.number(), title: text }),
    link: text,
    acknowledged: z.boolean(),
    /** The latest acknowledgement: who owns the incident. */
    owner: z.object({ by: text, at: text }).nullable(),
  }),
  ack: z.object({ command: text, signal: text, signalPayload: text }),
  /** How to move the incident to another pattern's runbook, and the patterns to choose from. */
  reclassify: z.object({
    command: text,
    signal: text,
    signalPayload: text,
    choices: z.array(z.object({ pattern: text, description: text })),
  }),
  /** Every alert resolved at its source: when, what the runbook does, how to resolve (null otherwise). */
  alertsResolved: z.object({ at: text, policy: text, resolvesAt: maybe, resolveCommand: text }).nullable(),
  resolution: z.object({ by: text, at: text, reason: text, duration: text }).nullable(),
  /** The post-incident review (docs/evidence.md#post-incident-review); null until one is open. */
  review: z
    .object({
      state: text,
      due: text,
      openItems: z.number(),
      items: z.array(
        z.object({ id: text, title: text, owner: maybe, due: maybe, state: text, closedBy: maybe }),
      ),
      addCommand: text,
      recordCommand: text,
      waiveCommand: text,
    })
    .nullable(),
  alerts: z.array(
    z.object({ source: text, title: text, status: text, count: z.number(), firstAt: text, lastAt: text }),
  ),
  acknowledgements: z.array(z.object({ by: text, at: text, note: maybe })),
  timeline: z.array(z.object({ at: text, kind: text, summary: text, actor: maybe })),
  steps: z.array(StepView),
  remediation: z.array(StepView),
  clocks: z.array(
    z.object({
      id: text,
      title: text,
      from: text,
      within: text,
      legal: z.boolean(),
      state: text,
      startedAt: maybe,
      deadline: maybe,
      metAt: maybe,
      /** "2h 5m late", or null when on time / not due. */
      late: maybe,
    }),
  ),
  approvals: z.array(
    z.object({
      step: text,
      title: text,
      state: text,
      requestedAt: text,
      deadline: maybe,
      approvers: text,
      action: maybe,
      decisions: z.array(z.object({ by: text, at: text, decision: text, reason: maybe })),
    }),
  ),
  deliveries: z.array(
    z.object({
      at: text,
      step: text,
      recipient: text,
      channel: text,
      outcome: text,
      messageId: maybe,
      detail: maybe,
    }),
  ),
  iso27001: z.object({
    controlsAffected: z.array(z.object({ id: text, title: text })),
    annexA: z.array(z.object({ id: text, title: text, status: text, evidence: text })),
  }),
  gdpr: z.object({
    personalDataAffected: z.boolean(),
    /** The Art. 33 72-hour window, once awareness is recorded (or the engine runs its clock). */
    window: z
      .object({ awareAt: text, awareBy: maybe, deadline: text, timeLeft: maybe, clockState: maybe })
      .nullable(),
    dataCategories: maybe,
    dataSubjects: maybe,
    records: maybe,
  }),
  openRisks: z.array(text),
  /**
   * One-click signed links for this recipient (links/issue.ts): each null when not issued, and
   * `note` says why none are (no link secret configured, recipient outside the directory).
   */
  links: z.object({
    acknowledge: maybe,
    receipt: maybe,
    approve: maybe,
    reject: maybe,
    expiresAt: maybe,
    note: maybe,
  }),
  /** The approval or clock this message is about (approval requests, deadline warnings); null otherwise. */
  about: z.object({
    approval: z
      .object({
        step: text,
        title: text,
        state: text,
        quorum: z.number(),
        twoPersonRule: z.boolean(),
        requestedBy: maybe,
        deadline: text,
        eligible: z.array(text),
        action: maybe,
        approveCommand: text,
        rejectCommand: text,
      })
      .nullable(),
    clock: z
      .object({
        id: text,
        title: text,
        from: text,
        within: text,
        legal: z.boolean(),
        state: text,
        startedAt: text,
        deadline: text,
        /** For warnings: how long is left, e.g. "15m" (empty otherwise). */
        left: text,
        recordCommand: text,
      })
      .nullable(),
  }),
});
export type MessageContext = z.infer<typeof MessageContext>;

/** What the workflow says a message is about: references, resolved against the status here. */
export const MessageAbout = z
  .object({
    approval: z.string().optional(),
    clock: z.object({ id: z.string(), left: z.string().optional() }).optional(),
  })
  .strict();
export type MessageAbout = z.infer<typeof MessageAbout>;

export interface ContextSources {
  links: MessageLinks;
  /** For the organisation's name and the DPO's contact details in formal notices. */
  directory?: Directory;
  /** The workflow's time when it asked for the message (defaults to the last timeline entry). */
  asOf?: string;
  about?: MessageAbout;
  /** Signed links for this recipient; none when absent. */
  recipientLinks?: MessageContext['links'];
}

const NO_LINKS: MessageContext['links'] = {
  acknowledge: null,
  receipt: null,
  approve: null,
  reject: null,
  expiresAt: null,
  note: 'One-click links are not available for this message.',
};

function contact(dir: Directory | undefined, role: string) {
  const p = dir && personWithRole(dir, role);
  return p ? { name: p.name, email: p.email ?? null, phone: p.phone ?? null } : null;
}

export function messageContext(
  status: IncidentStatus,
  recipient: Recipient,
  sources: ContextSources,
): MessageContext {
  const { facts } = status;
  const asOf = sources.asOf ?? status.timeline.at(-1)?.at ?? status.detectedAt;
  const lastAck = status.acknowledgements.at(-1);
  const dir = sources.directory;
  const stepView = (s: IncidentStatus['steps'][number]) => ({
    id: s.id,
    kind: s.kind,
    title: s.title ?? s.id,
    state: s.state,
    startedAt: s.startedAt,
    endedAt: s.endedAt ?? null,
    ok: s.result?.ok ?? null,
    summary: s.result?.summary ?? null,
  });
  return {
    recipient: { name: recipient.name, timezone: recipient.timezone ?? 'UTC', via: recipient.via ?? null },
    organisation: {
      name: dir?.organisation?.name ?? 'our company',
      supervisoryAuthority: dir?.organisation?.supervisoryAuthority ?? null,
    },
    contacts: {
      dpo: contact(dir, 'dpo'),
      incidentCommander: contact(dir, 'incident-commander'),
      compliance: contact(dir, 'compliance'),
    },
    incident: {
      id: status.incidentId,
      title: facts.title,
      pattern: facts.pattern,
      severity: facts.severity,
      region: facts.region,
      euPersonalData: facts.euPersonalData,
      source: facts.source,
      description: facts.description ?? null,
      labels: facts.labels,
      phase: status.phase,
      detectedAt: status.detectedAt,
      asOf,
      openFor: formatDuration(Date.parse(status.resolution?.at ?? asOf) - Date.parse(status.detectedAt)),
      alertCount: status.alertCount,
      escalationLevel: status.escalationLevel,
      escalationLevels: status.escalationLevels,
      runbook: status.runbook,
      link: sources.links.webUi,
      acknowledged: status.acknowledgements.length > 0,
      owner: lastAck ? { by: lastAck.by, at: lastAck.at } : null,
    },
    ack: {
      command: `lockout ack ${status.incidentId} --by <your-name>`,
      signal: 'acknowledge',
      signalPayload: '{"by": "<your-name>"}',
    },
    reclassify: {
      command: reclassifyCommand(status.incidentId),
      signal: 'reclassify',
      signalPayload: '{"pattern": "<pattern>", "by": "<your-name>", "reason": "<why>"}',
      choices: PATTERN_CHOICES.map((c) => ({ ...c })),
    },
    alertsResolved: status.alertsResolved
      ? {
          at: status.alertsResolved.at,
          policy: status.alertsResolved.policy,
          resolvesAt: status.alertsResolved.resolvesAt ?? null,
          resolveCommand: resolveCommand(status.incidentId),
        }
      : null,
    resolution: status.resolution
      ? {
          ...status.resolution,
          duration: formatDuration(Date.parse(status.resolution.at) - Date.parse(status.detectedAt)),
        }
      : null,
    review: status.review
      ? {
          state: status.review.state,
          due: status.review.due,
          openItems: status.review.items.filter((i) => i.state === 'open').length,
          items: status.review.items.map((i) => ({
            id: i.id,
            title: i.title,
            owner: i.owner ?? null,
            due: i.due ?? null,
            state: i.state,
            closedBy: i.closedBy ?? null,
          })),
          addCommand: `lockout review add ${status.incidentId} --title "…" --owner <person> --due <time> --by <your-name>`,
          recordCommand: `lockout review record ${status.incidentId} --summary "…" --by <your-name>`,
          waiveCommand: `lockout review waive ${status.incidentId} --reason "…" --by <your-name>`,
        }
      : null,
    alerts: status.alerts.map((a) => ({ ...a })),
    acknowledgements: status.acknowledgements.map((a) => ({ by: a.by, at: a.at, note: a.note ?? null })),
    timeline: status.timeline.map((e) => ({
      at: e.at,
      kind: e.kind,
      summary: e.summary,
      actor: e.actor ?? null,
    })),
    steps: status.steps.map(stepView),
    remediation: remediationSteps(status).map(stepView),
    clocks: status.clocks.map((c) => ({
      id: c.id,
      title: c.title,
      from: c.from,
      within: c.within,
      legal: c.legal,
      state: c.state,
      startedAt: c.startedAt ?? null,
      deadline: c.deadline ?? null,
      metAt: c.metAt ?? null,
      late: c.lateByMs && c.lateByMs > 0 ? `${formatDuration(c.lateByMs)} late` : null,
    })),
    approvals: status.approvals.map((a) => ({
      step: a.step,
      title: a.title,
      state: a.state,
      requestedAt: a.requestedAt,
      deadline: a.deadline ?? null,
      approvers: [...a.approvers.roles.map((r) => `role ${r}`), ...a.approvers.people].join(', '),
      action: a.action ? `${a.action.activity} ${JSON.stringify(a.action.args)}` : null,
      decisions: a.decisions.map((d) => ({
        by: d.by,
        at: d.at,
        decision: d.decision,
        reason: d.reason ?? null,
      })),
    })),
    deliveries: status.deliveries.map((d) => ({
      at: d.at,
      step: d.step,
      recipient: d.recipient,
      channel: d.channel,
      outcome: d.outcome,
      messageId: d.messageId ?? null,
      detail: d.detail ?? null,
    })),
    iso27001: { controlsAffected: controlsAffected(status), annexA: annexAEvidence(status) },
    gdpr: gdprFacts(status, asOf),
    openRisks: openRisks(status, asOf),
    links: sources.recipientLinks ?? NO_LINKS,
    about: aboutView(status, sources.about),
  };
}

function aboutView(status: IncidentStatus, about: MessageAbout | undefined): MessageContext['about'] {
  const approval = about?.approval
    ? status.approvals.filter((a) => a.step === about.approval).at(-1)
    : undefined;
  // Only a clock that has started has a deadline to talk about.
  const clock = about?.clock ? status.clocks.find((c) => c.id === about.clock!.id && c.deadline) : undefined;
  const id = status.incidentId;
  return {
    approval: approval
      ? {
          step: approval.step,
          title: approval.title,
          state: approval.state,
          quorum: approval.quorum,
          twoPersonRule: approval.twoPersonRule,
          requestedBy: approval.requestedBy ?? null,
          deadline: approval.deadline ?? approval.requestedAt,
          eligible: approval.eligible,
          action: approval.action
            ? `${approval.action.activity} ${JSON.stringify(approval.action.args)}`
            : null,
          approveCommand: `lockout approve ${id} ${approval.step} --by <your-id>`,
          rejectCommand: `lockout reject ${id} ${approval.step} --by <your-id> --reason "…"`,
        }
      : null,
    clock: clock
      ? {
          id: clock.id,
          title: clock.title,
          from: clock.from,
          within: clock.within,
          legal: clock.legal,
          state: clock.state,
          startedAt: clock.startedAt ?? clock.deadline!,
          deadline: clock.deadline!,
          left: about?.clock?.left ?? '',
          recordCommand: `lockout clock ${id} ${clock.id} --by <your-id> --at <time> --note "…"`,
        }
      : null,
  };
}
