/** What activities need from the outside world, injected by the worker (and by tests). */
import type { Transporter } from 'nodemailer';
import type { MessageLinks } from '../comms/context';
import type { Directory } from '../comms/directory';
import type { Template } from '../comms/templates';
import type { ContinuityDeps } from '../continuity/deps';

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
  /** TLS checks, expiry watch, remediation hooks, journey modes. */
  continuity: ContinuityDeps;
}
