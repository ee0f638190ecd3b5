/**
 * The expiry watch's configuration (config/watch.yaml, or LOCKOUT_WATCH_FILE): how often it runs,
 * its thresholds, and the TLS endpoints it checks. Read at each run, so edits apply next time.
 */
import { z } from 'zod';
import { Region, Severity } from '../domain/alert';
import { durationMs } from '../domain/duration';
import type { WatchThresholds } from '../domain/expiry';
import { Duration } from '../domain/runbook';
import { loadYamlFile } from '../lib/yaml-file';

const HostName = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9._:[\]-]+$/, 'must be a host name or IP address, without scheme or path');

export const TlsEndpointConfig = z
  .object({
    host: HostName,
    port: z.number().int().min(1).max(65535).default(443),
    /** Name for SNI and the certificate check, when connecting to another address than the name. */
    servername: HostName.optional(),
    region: Region.default('global'),
    /** PEM file of roots to trust for this endpoint instead of the system's. */
    caFile: z.string().min(1).optional(),
  })
  .strict();
export type TlsEndpointConfig = z.infer<typeof TlsEndpointConfig>;

export const WatchConfig = z
  .object({
    every: Duration.default('1h'),
    warnBefore: Duration.default('72h'),
    escalateBefore: Duration.default('24h'),
    warnSeverity: Severity.default('sev3'),
    escalateSeverity: Severity.default('sev1'),
    tls: z
      .object({
        /** Trust for every endpoint without its own caFile; system roots when absent. */
        caFile: z.string().min(1).optional(),
        timeout: Duration.default('10s'),
        endpoints: z.array(TlsEndpointConfig).default([]),
      })
      .strict()
      .default({ timeout: '10s', endpoints: [] }),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (durationMs(c.escalateBefore) >= durationMs(c.warnBefore))
      ctx.addIssue({
        code: 'custom',
        path: ['escalateBefore'],
        message: `must be shorter than warnBefore (${c.warnBefore})`,
      });
    const seen = new Set<string>();
    c.tls.endpoints.forEach((e, i) => {
      const key = `${e.host}:${e.port}`;
      if (seen.has(key))
        ctx.addIssue({ code: 'custom', path: ['tls', 'endpoints', i], message: `${key} is listed twice` });
      seen.add(key);
    });
  });
export type WatchConfig = z.infer<typeof WatchConfig>;

export function loadWatchConfig(file: string): WatchConfig {
  return loadYamlFile(file, WatchConfig);
}

export function watchThresholds(c: WatchConfig): WatchThresholds {
  return {
    warnBeforeMs: durationMs(c.warnBefore),
    escalateBeforeMs: durationMs(c.escalateBefore),
    warnSeverity: c.warnSeverity,
    escalateSeverity: c.escalateSeverity,
  };
}
