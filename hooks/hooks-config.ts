/**
 * Remediation hooks (config/hooks.yaml, or LOCKOUT_HOOKS_FILE): named actions outside Salesforce
 * that a runbook may run behind an approval, such as asking the PKI to rotate a certificate.
 * A hook is an HTTP call or a command (argv, never a shell). Runbooks pass only the parameters a
 * hook declares, each checked against its pattern; secrets are named, never written here.
 */
import { z } from 'zod';
import { Duration } from '../domain/runbook';
import { loadYamlFile } from '../lib/yaml-file';

/** A value read from the worker's environment at run time, e.g. `{ secretEnv: PKI_TOKEN, prefix: "Bearer " }`. */
export const SecretRef = z
  .object({
    secretEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an environment variable name, e.g. PKI_TOKEN'),
    prefix: z.string().default(''),
  })
  .strict();
export type SecretRef = z.infer<typeof SecretRef>;
const Value = z.union([z.string(), SecretRef]);
export type HookValue = z.infer<typeof Value>;

/** Parameter values start with a letter or digit, so none can pass for a command-line flag. */
export const DEFAULT_PARAM_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._:/@=+-]{0,199}$';

const Param = z
  .object({
    pattern: z
      .string()
      .default(DEFAULT_PARAM_PATTERN)
      .refine((p) => {
        try {
          new RegExp(p);
          return true;
        } catch {
          return false;
        }
      }, 'must be a valid regular expression'),
    description: z.string().optional(),
  })
  .strict();

const Common = {
  description: z.string().min(1),
  params: z.record(z.string().regex(/^[a-zA-Z][a-zA-Z0-9_]*$/, 'must be a simple name'), Param).default({}),
  timeout: Duration.default('30s'),
};

/** JSON body whose string values are templates: parameters can never break out of a string. */
type Body = string | number | boolean | null | Body[] | { [key: string]: Body };
const Body: z.ZodType<Body> = z.lazy(() =>
  z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(Body), z.record(z.string(), Body)]),
);

export const HttpHook = z
  .object({
    ...Common,
    kind: z.literal('http'),
    method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('POST'),
    url: z.string().regex(/^https?:\/\//, 'must start with http:// or https://'),
    headers: z.record(z.string(), Value).default({}),
    body: Body.optional(),
  })
  .strict();

export const CommandHook = z
  .object({
    ...Common,
    kind: z.literal('command'),
    argv: z
      .array(z.string().min(1))
      .min(1)
      .refine((argv) => argv[0]?.startsWith('/'), 'argv[0] must be an absolute path to the program')
      .refine((argv) => !argv[0]?.includes('{{'), 'argv[0] must not be a template'),
    /** The command sees only PATH, LANG, these and the LOCKOUT_* context, never the worker's secrets. */
    env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), Value).default({}),
  })
  .strict();

export const Hook = z.discriminatedUnion('kind', [HttpHook, CommandHook]);
export type Hook = z.infer<typeof Hook>;
export type HttpHook = z.infer<typeof HttpHook>;
export type CommandHook = z.infer<typeof CommandHook>;

export const HooksConfig = z
  .object({
    hooks: z
      .record(
        z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and "-"'),
        Hook,
      )
      .default({}),
  })
  .strict();
export type HooksConfig = z.infer<typeof HooksConfig>;

export function loadHooksConfig(file: string): HooksConfig {
  return loadYamlFile(file, HooksConfig);
}
