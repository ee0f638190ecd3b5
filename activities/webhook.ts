/**
 * Chat rooms and personal chat webhooks (Slack, Teams). A 2xx is delivery; 429 waits for
 * Retry-After; other 4xx mean the hook is gone or refuses the body (next channel); 5xx and
 * network errors are retried.
 */
import { log } from '@temporalio/activity';
import { webhookOf } from '../comms/directory';
import { webhookPayload } from '../comms/webhook-payload';
import type { ActivityDeps } from './deps';
import { permanent, rateLimited, transient } from './failures';
import { timeoutOrCancel } from './heartbeat';
import { accepted, outboxed, prepareMessage, type DeliveryReceipt, type SendInput } from './message';

export function webhookActivities(deps: ActivityDeps) {
  return {
    async postWebhook(input: SendInput): Promise<DeliveryReceipt> {
      const prepared = await prepareMessage(deps, 'webhook', input);
      const { recipient } = prepared.input;
      const hook = webhookOf(deps.directory(), recipient.id);
      if (!hook) throw permanent(`${recipient.id} has no webhook in the directory`, 'NoContactPoint');
      if (prepared.earlier) return prepared.earlier;
      const payload = webhookPayload(hook.format, prepared.message, input.status.facts.severity);
      const url = hook.url ?? (hook.urlEnv ? deps.messaging.secret(hook.urlEnv) : undefined);
      if (!url) return await outboxed(deps, prepared, undefined, `${hook.urlEnv} is not set`, payload);

      let response: Response;
      try {
        response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': prepared.key },
          body: JSON.stringify(payload),
          signal: timeoutOrCancel(20_000),
        });
      } catch (err) {
        // The URL is a credential: name the host only.
        throw transient(
          `webhook ${new URL(url).host}: ${(err as Error).cause ?? (err as Error).message}`,
          'WebhookError',
        );
      }
      const body = (await response.text().catch(() => '')).slice(0, 200);
      const reason = `webhook ${new URL(url).host}: HTTP ${response.status}${body ? ` ${body}` : ''}`;
      if (response.status === 429) throw rateLimited(reason, response.headers.get('retry-after'));
      if (response.status === 408 || response.status >= 500) throw transient(reason, 'WebhookError');
      if (response.status >= 400 || response.status < 200) throw permanent(reason);
      log.info('webhook accepted', { incidentId: input.incidentId, step: input.step, format: hook.format });
      // Incoming webhooks return no message id; the idempotency key identifies the post.
      return await accepted(
        deps,
        prepared,
        `webhook:${prepared.key}`,
        `HTTP ${response.status} ${body}`.trim(),
      );
    },
  };
}
