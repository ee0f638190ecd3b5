/**
 * `lockout review …`: the post-incident review of a resolved incident (docs/evidence.md): action
 * items added, assigned and closed, and the review recorded or waived. Each is a responder action
 * of the incident (domain/review.ts), sent like `ack` or `approve`.
 */
import { Command } from 'commander';
import { responderCommand } from './respond';

const defined = <T extends object>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

export function reviewCommand(): Command {
  const review = new Command('review').description(
    'The post-incident review of a resolved incident: action items, then record or waive it',
  );
  const commands = [
    responderCommand({
      name: 'add',
      description: 'Add an action item (ids A1, A2, … in order)',
      options: (c) =>
        c
          .requiredOption('--title <text>', 'what is to be done')
          .option('--owner <person>', 'who does it (reminded before the due date)')
          .option('--due <time>', 'ISO 8601 due date, e.g. 2026-12-07T09:00:00Z')
          .requiredOption('--by <person>', 'who adds it'),
      action: 'addReviewItem',
      payload: (_, o) => defined({ title: o.title!, owner: o.owner, due: o.due, by: o.by! }),
    }),
    responderCommand({
      name: 'assign',
      description: 'Give an action item an owner (and a due date)',
      args: [['<item>', 'action item id, e.g. A1']],
      options: (c) =>
        c
          .requiredOption('--owner <person>', 'who does it')
          .option('--due <time>', 'ISO 8601 due date')
          .requiredOption('--by <person>', 'who assigns it'),
      action: 'assignReviewItem',
      payload: ([item], o) => defined({ item: item!, owner: o.owner!, due: o.due, by: o.by! }),
    }),
    responderCommand({
      name: 'close',
      description: 'Close an action item: done',
      args: [['<item>', 'action item id, e.g. A1']],
      options: (c) =>
        c.requiredOption('--by <person>', 'who closes it').option('--note <text>', 'what was done'),
      action: 'closeReviewItem',
      payload: ([item], o) => defined({ item: item!, note: o.note, by: o.by! }),
    }),
    responderCommand({
      name: 'record',
      description: 'Record the review: the incident can close (and archive its evidence pack)',
      options: (c) =>
        c
          .requiredOption('--summary <text>', 'what the review found and decided')
          .requiredOption('--by <person>', 'who records it'),
      action: 'recordReview',
      payload: (_, o) => ({ summary: o.summary!, by: o.by! }),
    }),
    responderCommand({
      name: 'waive',
      description: 'Waive the review, as a named person, with the reason: the incident can close',
      options: (c) =>
        c
          .requiredOption('--reason <text>', 'why no review is needed')
          .requiredOption('--by <person>', 'who waives it'),
      action: 'waiveReview',
      payload: (_, o) => ({ reason: o.reason!, by: o.by! }),
    }),
  ];
  for (const command of commands)
    review.addCommand(command.exitOverride().showHelpAfterError('(add --help for usage)'));
  return review;
}
