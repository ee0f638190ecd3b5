/**
 * ISO/IEC 27001:2022 Annex A, as far as a lockout touches it: which controls each failure
 * pattern puts in question, and the incident-management controls (A.5.24–A.5.28) every
 * incident has to evidence. Pure data, used by the compliance report and the status page.
 */
import type { Pattern } from './alert';

export interface Control {
  id: string;
  title: string;
}

const C = (id: string, title: string): Control => ({ id, title });

/** Every lockout is an availability event for the CRM integration. */
const CONTINUITY = C('A.5.30', 'ICT readiness for business continuity');

export const CONTROLS_BY_PATTERN: Record<Pattern, Control[]> = {
  'certificate-chain': [
    C('A.8.24', 'Use of cryptography'),
    C('A.8.9', 'Configuration management'),
    C('A.5.14', 'Information transfer'),
    CONTINUITY,
  ],
  'acl-misconfiguration': [
    C('A.5.15', 'Access control'),
    C('A.5.18', 'Access rights'),
    C('A.8.32', 'Change management'),
    CONTINUITY,
  ],
  'audit-log-failure': [C('A.8.15', 'Logging'), C('A.8.16', 'Monitoring activities'), CONTINUITY],
  'data-residency': [
    C('A.5.34', 'Privacy and protection of PII'),
    C('A.5.31', 'Legal, statutory, regulatory and contractual requirements'),
    C('A.8.14', 'Redundancy of information processing facilities'),
    CONTINUITY,
  ],
  'vendor-assessment': [
    C('A.5.19', 'Information security in supplier relationships'),
    C('A.5.20', 'Addressing information security within supplier agreements'),
    C('A.5.22', 'Monitoring, review and change management of supplier services'),
  ],
  'token-expiry': [
    C('A.5.17', 'Authentication information'),
    C('A.8.5', 'Secure authentication'),
    CONTINUITY,
  ],
  unclassified: [C('A.5.25', 'Assessment and decision on information security events'), CONTINUITY],
};

/** The incident-management controls an auditor asks about for every incident. */
export const INCIDENT_MANAGEMENT_CONTROLS = [
  C('A.5.24', 'Information security incident management planning and preparation'),
  C('A.5.25', 'Assessment and decision on information security events'),
  C('A.5.26', 'Response to information security incidents'),
  C('A.5.27', 'Learning from information security incidents'),
  C('A.5.28', 'Collection of evidence'),
] as const;

/**
 * The continuous checks and the controls each one verifies: the status page's control panel and
 * the `lockout_control_verified` metric come from these (docs/readiness.md#control-verification).
 */
export const CONTINUOUS_CHECKS = {
  'tls-chains': {
    title: 'TLS certificate chains (expiry watch, source tls)',
    controls: [C('A.8.24', 'Use of cryptography')],
  },
  'credential-expiry': {
    title: 'Integration credentials (expiry watch, source salesforce)',
    controls: [C('A.5.17', 'Authentication information'), C('A.8.5', 'Secure authentication')],
  },
  'permission-baseline': {
    title: 'Integration user permission baseline',
    controls: [C('A.5.15', 'Access control'), C('A.5.18', 'Access rights')],
  },
  'audit-trail-freshness': {
    title: 'Audit trail freshness',
    controls: [C('A.8.15', 'Logging'), C('A.8.16', 'Monitoring activities')],
  },
  'vendor-pack-freshness': {
    title: 'Vendor-assessment pack freshness',
    controls: [
      C('A.5.19', 'Information security in supplier relationships'),
      C('A.5.20', 'Addressing information security within supplier agreements'),
      C('A.5.21', 'Managing information security in the ICT supply chain'),
      C('A.5.22', 'Monitoring, review and change management of supplier services'),
    ],
  },
} as const satisfies Record<string, { title: string; controls: Control[] }>;
export type ContinuousCheck = keyof typeof CONTINUOUS_CHECKS;

/** Which expiry-watch source verifies which check (the others are not run by the watch). */
export const CHECK_OF_EXPIRY_SOURCE: Record<string, ContinuousCheck> = {
  tls: 'tls-chains',
  salesforce: 'credential-expiry',
  'salesforce-permissions': 'permission-baseline',
  'salesforce-audit-trail': 'audit-trail-freshness',
};
