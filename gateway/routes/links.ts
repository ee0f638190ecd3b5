/**
 * Signed links from messages: `/approve/<token>` (approve or reject a step), `/ack/<token>`
 * (acknowledge the incident) and `/receipt/<token>` (confirm a message arrived). GET shows what
 * the link would do and a button; only the POST of that button acts. Without a link secret the
 * routes answer that links are not enabled.
 */
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { renderPage } from '../../status-page/pages';
import { openLink, useLink, PATH_KINDS, type LinkDesk, type LinkPage, type LinkPath } from '../link-redeem';
import type { LinkKind } from '../../links/token';
import type { ActionOutcome } from '../../client/actions';
import { oneLine } from '../../lib/printable';
import { pageBasics } from '../page-basics';
import { RefusalLog } from '../refusal-log';

export interface LinkRoutesOptions {
  /** Undefined when LOCKOUT_LINK_SECRET is not set. */
  desk?: LinkDesk;
  webUiLink(incidentId: string): string;
}

const WORDING: Record<LinkKind, { heading: string; verb: string; button: string; explain: string }> = {
  approve: {
    heading: 'Approve this step?',
    verb: 'approve',
    button: 'Approve',
    explain: 'Approving lets the runbook run the action below once the quorum is reached.',
  },
  reject: {
    heading: 'Reject this step?',
    verb: 'reject',
    button: 'Reject',
    explain: 'Rejecting stops the action below: the runbook skips it.',
  },
  ack: {
    heading: 'Acknowledge this incident?',
    verb: 'acknowledge',
    button: 'Acknowledge: I own it',
    explain: 'Acknowledging makes you the owner and stops escalation.',
  },
  receipt: {
    heading: 'Confirm you received the message?',
    verb: 'confirm',
    button: 'Confirm receipt',
    explain: 'This records that the message reached you.',
  },
};

const OUTCOME_HEADINGS: Record<ActionOutcome['outcome'], string> = {
  accepted: 'Done',
  queued: 'Recorded',
  refused: 'Refused',
  busy: 'Not applied: try again',
};

function incidentView(page: LinkPage, webUiLink: (id: string) => string) {
  if (!('status' in page) || !page.status) return undefined;
  const { status } = page;
  return {
    id: status.incidentId,
    title: oneLine(status.facts.title),
    pattern: status.facts.pattern,
    severity: status.facts.severity,
    region: status.facts.region,
    phase: status.phase,
    escalationLevel: status.escalationLevel,
    webUi: webUiLink(status.incidentId),
  };
}

function approvalView(page: LinkPage) {
  if (!('approval' in page) || !page.approval) return undefined;
  const a = page.approval;
  return {
    ...a,
    argsJson: a.action ? JSON.stringify(a.action.args, null, 2) : '',
    votes: a.decisions.filter((d) => d.decision === 'approve').length,
    deadline: a.deadline ?? a.requestedAt,
  };
}

function send(reply: FastifyReply, page: LinkPage, webUiLink: (id: string) => string) {
  const incident = incidentView(page, webUiLink);
  const person = page.claims?.p;
  void reply.type('text/html; charset=utf-8');
  if (page.page === 'confirm') {
    const words = WORDING[page.claims.k];
    return reply.status(200).send(
      renderPage(
        'link-confirm',
        { title: words.heading, person },
        {
          ...words,
          verbClass: page.claims.k,
          incident,
          approval: approvalView(page),
          needsReason: page.claims.k === 'reject',
        },
      ),
    );
  }
  const view =
    page.page === 'refused'
      ? {
          httpStatus: page.httpStatus,
          heading: 'This link cannot be used',
          tone: 'bad',
          reason: page.reason,
          recordedNote: page.recorded ? "The attempt is recorded in the incident's timeline." : '',
        }
      : page.page === 'settled'
        ? {
            httpStatus: 200,
            heading: 'Nothing left to do',
            tone: 'muted',
            reason: page.reason,
            recordedNote: '',
          }
        : {
            httpStatus: page.httpStatus,
            heading: OUTCOME_HEADINGS[page.result.outcome],
            tone: page.result.outcome === 'refused' || page.result.outcome === 'busy' ? 'bad' : 'good',
            reason: page.result.message,
            recordedNote:
              page.result.outcome === 'refused' ? "The refusal is recorded in the incident's timeline." : '',
          };
  if (page.page === 'outcome' && page.result.outcome === 'busy')
    void reply.header('retry-after', String(page.result.retryAfterSeconds));
  return reply
    .status(view.httpStatus)
    .send(renderPage('link-result', { title: view.heading, person }, { ...view, incident }));
}

export const linkRoutes: FastifyPluginAsync<LinkRoutesOptions> = async (app, options) => {
  await pageBasics(app);
  const { webUiLink } = options;
  const desk = options.desk && {
    ...options.desk,
    refusals: options.desk.refusals ?? new RefusalLog(options.desk.client),
  };
  app.addHook('onClose', async () => desk?.refusals.close());
  const disabled = (reply: FastifyReply) =>
    reply
      .status(404)
      .type('text/html; charset=utf-8')
      .send(
        renderPage(
          'link-result',
          { title: 'Links are not enabled' },
          {
            heading: 'Links are not enabled',
            tone: 'bad',
            reason:
              'This installation issues no one-click links (LOCKOUT_LINK_SECRET is not set). Use the CLI or the Temporal Web UI.',
          },
        ),
      );

  for (const path of Object.keys(PATH_KINDS) as LinkPath[]) {
    // A wildcard, not `:token`: tokens are longer than Fastify's 100-character parameter limit.
    app.get<{ Params: { '*': string } }>(`/${path}/*`, async (request, reply) =>
      desk ? send(reply, await openLink(desk, request.params['*'], path), webUiLink) : disabled(reply),
    );
    app.post<{ Params: { '*': string }; Body: { reason?: unknown } | undefined }>(
      `/${path}/*`,
      async (request, reply) => {
        if (!desk) return disabled(reply);
        const reason = typeof request.body?.reason === 'string' ? request.body.reason : undefined;
        return send(reply, await useLink(desk, request.params['*'], path, { reason }), webUiLink);
      },
    );
  }
};
