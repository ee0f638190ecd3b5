/**
 * What a runbook must get right beyond its schema: unique step ids, jumps that land and only go
 * forward (so no cycles), no unreachable steps, references to facts, steps, clocks, approvals,
 * activities, templates and audiences that exist, and risky activities behind an approval.
 * Pure: the caller supplies what exists (catalog, templates, directory) as predicates.
 */
import { references, type Condition } from './conditions';
import { durationMs } from './duration';
import { BUILT_IN_FACTS } from './facts';
import { allSteps, type Runbook, type Step } from './runbook';

export interface RunbookProblem {
  /** Path inside the runbook document, e.g. ['steps', 2, 'template']. */
  path: (string | number)[];
  reason: string;
}

export interface KnownThings {
  /** Why an activity call is wrong (unknown activity, bad args), or undefined. */
  activityProblem(name: string, args: Record<string, unknown>): string | undefined;
  isRisky(name: string): boolean;
  templateExists(id: string): boolean;
  /** Why a notification target cannot be resolved, or undefined. */
  targetProblem(target: string): string | undefined;
  personExists(id: string): boolean;
  /** How many people an approver level names or hold its roles; undefined when unknown. */
  approversAvailable?(level: { roles: string[]; people: string[] }): number | undefined;
}

type Located = { step: Step; path: (string | number)[]; list: readonly Step[]; index: number };

/** Every step with its document path and the list it lives in. */
function locate(steps: readonly Step[], path: (string | number)[] = ['steps']): Located[] {
  return steps.flatMap((step, index) => {
    const here: Located = { step, path: [...path, index], list: steps, index };
    if (step.kind !== 'parallel') return [here];
    return [here, ...step.branches.flatMap((b, bi) => locate(b, [...path, index, 'branches', bi]))];
  });
}

/** Indexes of a list's steps reachable from its first step. */
function reachable(list: readonly Step[]): Set<number> {
  const seen = new Set<number>();
  const visit = (i: number): void => {
    if (i < 0 || i >= list.length || seen.has(i)) return;
    seen.add(i);
    const step = list[i]!;
    const to = (target?: string) =>
      target === undefined
        ? visit(i + 1)
        : target === 'end'
          ? undefined
          : visit(list.findIndex((s) => s.id === target));
    if (step.kind === 'branch') {
      to(step.then);
      to(step.else ?? step.next);
    } else to(step.next);
  };
  visit(0);
  return seen;
}

export function checkRunbook(runbook: Runbook, known: KnownThings): RunbookProblem[] {
  const problems: RunbookProblem[] = [];
  const add = (path: (string | number)[], reason: string) => problems.push({ path, reason });
  const located = locate(runbook.steps);
  const ids = new Map<string, (string | number)[]>();
  const facts = new Set<string>([...BUILT_IN_FACTS, ...Object.keys(runbook.facts)]);
  const clocks = new Set(runbook.clocks.map((c) => c.id));
  const approvalSteps = new Set(
    allSteps(runbook.steps)
      .filter((s) => s.kind === 'approval')
      .map((s) => s.id),
  );
  const stepIds = new Set(allSteps(runbook.steps).map((s) => s.id));

  const checkCondition = (condition: Condition, path: (string | number)[]) => {
    const refs = references(condition);
    for (const f of refs.facts) if (!facts.has(f)) add(path, `unknown fact "${f}" (declare it under facts:)`);
    for (const s of refs.steps) if (!stepIds.has(s)) add(path, `unknown step "${s}"`);
    for (const c of refs.clocks) if (!clocks.has(c)) add(path, `unknown clock "${c}"`);
    for (const a of refs.approvals) if (!approvalSteps.has(a)) add(path, `"${a}" is not an approval step`);
  };
  const checkTargets = (targets: string[], path: (string | number)[]) =>
    targets.forEach((t, i) => {
      const problem = known.targetProblem(t);
      if (problem) add([...path, i], problem);
    });
  const checkTemplate = (id: string, path: (string | number)[]) => {
    if (!known.templateExists(id)) add(path, `unknown template "${id}" (no templates/${id}.yaml)`);
  };

  for (const { step, path, list, index } of located) {
    const other = ids.get(step.id);
    if (other) add([...path, 'id'], `duplicate step id "${step.id}" (also at ${other.join('.')})`);
    else ids.set(step.id, path);

    const jumps: [string, string | undefined][] = [['next', step.next]];
    if (step.kind === 'branch') jumps.push(['then', step.then], ['else', step.else]);
    for (const [field, target] of jumps) {
      if (target === undefined || target === 'end') continue;
      const to = list.findIndex((s) => s.id === target);
      if (to < 0) add([...path, field], `jump to "${target}", which is not a step of the same list`);
      else if (to <= index)
        add([...path, field], `jump back to "${target}" makes a cycle: jumps may only go forward`);
    }

    switch (step.kind) {
      case 'notify':
        checkTargets(Array.isArray(step.audience) ? step.audience : [step.audience], [...path, 'audience']);
        checkTemplate(step.template, [...path, 'template']);
        break;
      case 'activity': {
        const problem = known.activityProblem(step.activity, step.args);
        if (problem) add([...path, 'activity'], problem);
        else if (known.isRisky(step.activity)) {
          const gated = located.some(
            ({ step: s, list: l, index: i }) =>
              s.kind === 'approval' && (s.for === step.id || (!s.for && l === list && i === index - 1)),
          );
          if (!gated)
            add(
              [...path, 'activity'],
              `${step.activity} changes things outside: put an approval step before it (or one with for: ${step.id})`,
            );
        }
        break;
      }
      case 'approval':
        step.approvers.forEach((level, li) =>
          level.people.forEach((p, pi) => {
            if (!known.personExists(p))
              add([...path, 'approvers', li, 'people', pi], `unknown person "${p}"`);
          }),
        );
        step.approvers.forEach((level, li) => {
          // The first level also has to leave room for the two-person rule's requester.
          const available = known.approversAvailable?.(level);
          const needed = step.quorum + (step.twoPersonRule && li === 0 ? 1 : 0);
          if (available !== undefined && available < needed) {
            add(
              [...path, 'approvers', li],
              `quorum ${step.quorum}${step.twoPersonRule && li === 0 ? ' with the two-person rule' : ''} needs ${needed} people here; the directory has ${available}`,
            );
          }
        });
        if (step.for && !stepIds.has(step.for)) add([...path, 'for'], `unknown step "${step.for}"`);
        else if (!step.for && index === list.length - 1)
          add([...path, 'for'], 'nothing to approve: no step follows (set for:)');
        if (step.twoPersonRule && step.quorum < 1) add([...path, 'quorum'], 'must be at least 1');
        checkTemplate(step.template, [...path, 'template']);
        break;
      case 'wait':
        if (step.until) checkCondition(step.until, [...path, 'until']);
        break;
      case 'branch':
        checkCondition(step.if, [...path, 'if']);
        break;
    }
  }

  for (const list of [
    runbook.steps,
    ...located.flatMap(({ step }) => (step.kind === 'parallel' ? step.branches : [])),
  ]) {
    const seen = reachable(list);
    list.forEach((step, i) => {
      if (!seen.has(i))
        add(
          [...(ids.get(step.id) ?? ['steps']), 'id'],
          `step "${step.id}" can never run: no path from the first step reaches it`,
        );
    });
  }

  const clockIds = new Set<string>();
  runbook.clocks.forEach((clock, i) => {
    const path = ['clocks', i];
    if (clockIds.has(clock.id)) add([...path, 'id'], `duplicate clock id "${clock.id}"`);
    clockIds.add(clock.id);
    if (clock.metBy !== 'manual' && !stepIds.has(clock.metBy))
      add([...path, 'metBy'], `unknown step "${clock.metBy}" (or use manual)`);
    clock.warn.forEach((w, wi) => {
      if (durationMs(w) >= durationMs(clock.within))
        add(
          [...path, 'warn', wi],
          `warning ${w} before a ${clock.within} deadline would come before the clock starts`,
        );
    });
    if (clock.when) checkCondition(clock.when, [...path, 'when']);
    if (clock.notify) checkTargets(clock.notify, [...path, 'notify']);
  });

  runbook.escalation.levels.forEach((level, i) => {
    checkTargets(level.notify, ['escalation', 'levels', i, 'notify']);
    checkTemplate(level.template, ['escalation', 'levels', i, 'template']);
  });
  checkTargets(runbook.onResolve.notify, ['onResolve', 'notify']);
  checkTemplate(runbook.onResolve.template, ['onResolve', 'template']);
  if (runbook.review) {
    checkTargets(runbook.review.notify, ['review', 'notify']);
    checkTemplate(runbook.review.template, ['review', 'template']);
  }
  for (const [name, decl] of Object.entries(runbook.facts)) {
    if (name === 'euPersonalData') {
      if (decl.type !== 'boolean')
        add(['facts', name, 'type'], 'euPersonalData is true or false: type boolean');
    } else if ((BUILT_IN_FACTS as readonly string[]).includes(name)) {
      add(['facts', name], `"${name}" is a built-in fact (only euPersonalData may be given a default)`);
    }
    const d = decl.default;
    if (d === undefined) continue;
    const ok = decl.type === 'list' ? Array.isArray(d) : typeof d === decl.type;
    if (!ok) add(['facts', name, 'default'], `default must be a ${decl.type}`);
  }
  return problems;
}
