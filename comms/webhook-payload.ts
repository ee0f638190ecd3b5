/**
 * Incoming-webhook bodies: Slack (`{"text": …}` with mrkdwn), Microsoft Teams connector cards
 * (MessageCard) and Teams workflow webhooks (Adaptive Card in a message attachment).
 */
import type { WebhookFormat } from './directory';
import type { RenderedMessage } from './templates';

/** Slack treats &, < and > as control characters in text. */
const slackEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function webhookPayload(format: WebhookFormat, message: RenderedMessage, severity: string): object {
  switch (format) {
    case 'slack':
      return { text: `*${slackEscape(message.subject)}*\n${slackEscape(message.text)}` };
    case 'teams':
      return {
        '@type': 'MessageCard',
        '@context': 'https://schema.org/extensions',
        summary: message.subject,
        themeColor: severity === 'sev1' ? 'D13438' : severity === 'sev2' ? 'FF8C00' : '0078D7',
        title: message.subject,
        // Markdown needs two trailing spaces for a line break.
        text: message.text.replace(/\n/g, '  \n'),
      };
    case 'teams-adaptive':
      return {
        type: 'message',
        attachments: [
          {
            contentType: 'application/vnd.microsoft.card.adaptive',
            contentUrl: null,
            content: {
              $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
              type: 'AdaptiveCard',
              version: '1.4',
              body: [
                { type: 'TextBlock', text: message.subject, weight: 'Bolder', size: 'Medium', wrap: true },
                { type: 'TextBlock', text: message.text, wrap: true, fontType: 'Monospace' },
              ],
            },
          },
        ],
      };
  }
}
