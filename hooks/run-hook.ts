/**
 * Runs one remediation hook: an HTTP call (the idempotency key goes along as a header) or an
 * allow-listed command (argv, no shell, a timeout, a minimal environment). Output is captured
 * for the timeline with secrets taken out.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import Handlebars from 'handlebars';
import { durationMs } from '../domain/duration';
import { CapturedOutput, captured } from './captured-output';
import type { CommandHook, Hook, HookValue, HttpHook } from './hooks-config';

/** The hook cannot run as asked (not allowed, bad parameters, missing secret): retrying will not help. */
export class HookRefused extends Error {
  override name = 'HookRefused';
}

/** The far side failed in a way that may pass (network, 5xx, 429): worth retrying with the same key. */
export class HookUnavailable extends Error {
  override name = 'HookUnavailable';
}

export interface HookContext {
  incidentId: string;
  step: string;
  idempotencyKey: string;
  /** Absolute program paths commands may run (LOCKOUT_HOOK_COMMANDS). */
  allowedCommands: readonly string[];
  /** Where `secretEnv` values are read from. */
  secrets: NodeJS.ProcessEnv;
  /** Aborts the hook (the activity was cancelled): the request stops, the command is killed. */
  signal?: AbortSignal;
}

function withCancel(timeout: AbortSignal, cancel: AbortSignal | undefined): AbortSignal {
  return cancel ? AbortSignal.any([timeout, cancel]) : timeout;
}

export interface HookRun {
  hook: string;
  kind: Hook['kind'];
  ok: boolean;
  /** HTTP status, or the command's exit code. */
  status?: number;
  signal?: string;
  timedOut?: boolean;
  output: string;
  idempotencyKey: string;
}

/** Checks the runbook's parameters against the hook's declaration. */
export function checkParams(name: string, hook: Hook, params: Record<string, string>): void {
  const problems: string[] = [];
  for (const key of Object.keys(params))
    if (!hook.params[key]) problems.push(`params.${key}: not a parameter of hook "${name}"`);
  for (const [key, param] of Object.entries(hook.params)) {
    const value = params[key];
    if (value === undefined) problems.push(`params.${key}: required by hook "${name}"`);
    else if (!new RegExp(param.pattern).test(value))
      problems.push(`params.${key}: does not match ${param.pattern}`);
  }
  if (problems.length) throw new HookRefused(problems.join('; '));
}

function secretValue(value: HookValue, ctx: HookContext, where: string): { text: string; secret?: string } {
  if (typeof value === 'string') return { text: value };
  const secret = ctx.secrets[value.secretEnv];
  if (!secret)
    throw new HookRefused(`${where}: environment variable ${value.secretEnv} is not set on this worker`);
  return { text: value.prefix + secret, secret };
}

function render(template: string, values: Record<string, string>): string {
  return Handlebars.compile(template, { strict: true, noEscape: true })(values);
}

function renderBody(body: unknown, values: Record<string, string>): unknown {
  if (typeof body === 'string') return render(body, values);
  if (Array.isArray(body)) return body.map((b) => renderBody(b, values));
  if (body && typeof body === 'object')
    return Object.fromEntries(Object.entries(body).map(([k, v]) => [k, renderBody(v, values)]));
  return body;
}

export async function runHook(
  name: string,
  hook: Hook,
  params: Record<string, string>,
  ctx: HookContext,
): Promise<HookRun> {
  checkParams(name, hook, params);
  const values = {
    ...params,
    incidentId: ctx.incidentId,
    step: ctx.step,
    idempotencyKey: ctx.idempotencyKey,
  };
  return hook.kind === 'http' ? runHttp(name, hook, values, ctx) : runCommand(name, hook, values, ctx);
}

async function runHttp(
  name: string,
  hook: HttpHook,
  values: Record<string, string>,
  ctx: HookContext,
): Promise<HookRun> {
  const encoded = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, encodeURIComponent(v)]));
  const url = render(hook.url, encoded);
  const secrets: string[] = [];
  const headers: Record<string, string> = { 'idempotency-key': ctx.idempotencyKey };
  for (const [header, value] of Object.entries(hook.headers)) {
    const { text, secret } = secretValue(value, ctx, `headers.${header}`);
    if (secret) secrets.push(secret);
    headers[header.toLowerCase()] = typeof value === 'string' ? render(text, values) : text;
  }
  let body: string | undefined;
  if (hook.body !== undefined) {
    body = JSON.stringify(renderBody(hook.body, values));
    headers['content-type'] ??= 'application/json';
  }
  let response: Response;
  try {
    response = await fetch(url, {
      method: hook.method,
      headers,
      body,
      redirect: 'manual',
      signal: withCancel(AbortSignal.timeout(durationMs(hook.timeout)), ctx.signal),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    throw new HookUnavailable(
      `hook "${name}": ${hook.method} ${new URL(url).origin} failed: ${cause ?? (err as Error).message}`,
    );
  }
  const text = await response.text();
  const output = captured(text, secrets);
  if (response.status >= 500 || response.status === 429)
    throw new HookUnavailable(`hook "${name}": HTTP ${response.status}: ${output.slice(0, 300)}`);
  return {
    hook: name,
    kind: 'http',
    ok: response.ok,
    status: response.status,
    output,
    idempotencyKey: ctx.idempotencyKey,
  };
}

function runCommand(
  name: string,
  hook: CommandHook,
  values: Record<string, string>,
  ctx: HookContext,
): Promise<HookRun> {
  const [program, ...args] = hook.argv as [string, ...string[]];
  if (!ctx.allowedCommands.map((c) => resolve(c)).includes(resolve(program)))
    throw new HookRefused(
      `hook "${name}": ${program} is not in the worker's allow-list LOCKOUT_HOOK_COMMANDS; nothing was run`,
    );
  const secrets: string[] = [];
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    LANG: process.env.LANG ?? 'C.UTF-8',
    LOCKOUT_INCIDENT_ID: ctx.incidentId,
    LOCKOUT_STEP: ctx.step,
    LOCKOUT_IDEMPOTENCY_KEY: ctx.idempotencyKey,
  };
  for (const [key, value] of Object.entries(hook.env)) {
    const { text, secret } = secretValue(value, ctx, `env.${key}`);
    if (secret) secrets.push(secret);
    env[key] = typeof value === 'string' ? render(text, values) : text;
  }
  const argv = args.map((a) => render(a, values));
  const timeoutMs = durationMs(hook.timeout);
  return new Promise((resolvePromise, reject) => {
    const child = spawn(program, argv, {
      env,
      shell: false,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(ctx.signal ? { signal: ctx.signal, killSignal: 'SIGKILL' as const } : {}),
    });
    const output = new CapturedOutput();
    child.stdout.setEncoding('utf8').on('data', (d: string) => output.add(d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => output.add(d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
    }, timeoutMs);
    child.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (err.name === 'AbortError')
        return reject(new Error(`hook "${name}": cancelled, the command was killed`));
      reject(new HookRefused(`hook "${name}": cannot run ${program}: ${err.code ?? err.message}`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({
        hook: name,
        kind: 'command',
        ok: code === 0 && !timedOut,
        status: code ?? undefined,
        signal: signal ?? undefined,
        timedOut: timedOut || undefined,
        output: output.text(secrets),
        idempotencyKey: ctx.idempotencyKey,
      });
    });
  });
}
