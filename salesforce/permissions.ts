/**
 * The ACL-drift check: what the integration user may do (permission sets, object permissions)
 * compared with a committed baseline. The comparison is pure; reading Salesforce is separate.
 */
import { z } from 'zod';
import { query } from './api';
import type { SalesforceSession } from './session';
import { soqlList, soqlString } from './soql';

export const OBJECT_PERMISSIONS = ['read', 'create', 'edit', 'delete', 'viewAll', 'modifyAll'] as const;
export type ObjectPermission = (typeof OBJECT_PERMISSIONS)[number];

const ApiName = z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'must be an API name (letters, digits, _)');

export const PermissionBaseline = z
  .object({
    description: z.string().optional(),
    /** Permission sets the integration user must have (API names, not labels). */
    permissionSets: z.array(ApiName).default([]),
    /** Per sObject, the permissions the integration user must have. */
    objectPermissions: z.record(ApiName, z.array(z.enum(OBJECT_PERMISSIONS)).min(1)).default({}),
  })
  .strict();
export type PermissionBaseline = z.infer<typeof PermissionBaseline>;

export interface ActualPermissions {
  /** Assigned permission sets (not the profile's own). */
  permissionSets: { id: string; name: string }[];
  objects: Record<string, ObjectPermission[]>;
}

export interface ObjectPermissionGap {
  object: string;
  permissions: ObjectPermission[];
}

export interface PermissionDrift {
  missingPermissionSets: string[];
  extraPermissionSets: string[];
  missingObjectPermissions: ObjectPermissionGap[];
  /** Beyond the baseline, on the objects the baseline names. */
  extraObjectPermissions: ObjectPermissionGap[];
}

export function comparePermissions(baseline: PermissionBaseline, actual: ActualPermissions): PermissionDrift {
  const assigned = new Set(actual.permissionSets.map((p) => p.name));
  const expected = new Set(baseline.permissionSets);
  const missingObjectPermissions: ObjectPermissionGap[] = [];
  const extraObjectPermissions: ObjectPermissionGap[] = [];
  for (const [object, wanted] of Object.entries(baseline.objectPermissions)) {
    const has = new Set(actual.objects[object] ?? []);
    const missing = wanted.filter((p) => !has.has(p));
    const extra = OBJECT_PERMISSIONS.filter((p) => has.has(p) && !wanted.includes(p));
    if (missing.length) missingObjectPermissions.push({ object, permissions: missing });
    if (extra.length) extraObjectPermissions.push({ object, permissions: extra });
  }
  return {
    missingPermissionSets: baseline.permissionSets.filter((p) => !assigned.has(p)),
    extraPermissionSets: [...assigned].filter((p) => !expected.has(p)).sort(),
    missingObjectPermissions,
    extraObjectPermissions,
  };
}

/** One line for the timeline. */
export function describeDrift(drift: PermissionDrift): string {
  const parts: string[] = [];
  if (drift.missingPermissionSets.length)
    parts.push(`missing permission set(s) ${drift.missingPermissionSets.join(', ')}`);
  for (const gap of drift.missingObjectPermissions)
    parts.push(`no ${gap.permissions.join('/')} on ${gap.object}`);
  if (!parts.length) {
    const extras = drift.extraPermissionSets.length + drift.extraObjectPermissions.length;
    return extras
      ? `matches the baseline; ${extras} grant(s) beyond it (see data)`
      : 'matches the baseline exactly';
  }
  return parts.join('; ');
}

interface AssignmentRow {
  PermissionSetId: string;
  PermissionSet: { Name: string; IsOwnedByProfile: boolean } | null;
}

type ObjectPermissionRow = { SobjectType: string } & Record<string, unknown>;

const FIELD_OF: Record<ObjectPermission, string> = {
  read: 'PermissionsRead',
  create: 'PermissionsCreate',
  edit: 'PermissionsEdit',
  delete: 'PermissionsDelete',
  viewAll: 'PermissionsViewAllRecords',
  modifyAll: 'PermissionsModifyAllRecords',
};

/** Effective permissions: the union over every assigned permission set, the profile's included. */
export async function readPermissions(
  session: SalesforceSession,
  userId: string,
): Promise<ActualPermissions> {
  const assignments = await query<AssignmentRow>(
    session,
    `SELECT PermissionSetId, PermissionSet.Name, PermissionSet.IsOwnedByProfile FROM PermissionSetAssignment WHERE AssigneeId = ${soqlString(userId)}`,
  );
  const objects: Record<string, Set<ObjectPermission>> = {};
  if (assignments.length) {
    const rows = await query<ObjectPermissionRow>(
      session,
      `SELECT SobjectType, ${Object.values(FIELD_OF).join(', ')} FROM ObjectPermissions WHERE ParentId IN ${soqlList(assignments.map((a) => a.PermissionSetId))}`,
    );
    for (const row of rows) {
      const granted = (objects[row.SobjectType] ??= new Set());
      for (const p of OBJECT_PERMISSIONS) if (row[FIELD_OF[p]] === true) granted.add(p);
    }
  }
  return {
    permissionSets: assignments
      .filter((a) => a.PermissionSet && !a.PermissionSet.IsOwnedByProfile)
      .map((a) => ({ id: a.PermissionSetId, name: a.PermissionSet!.Name })),
    objects: Object.fromEntries(
      Object.entries(objects).map(([k, v]) => [k, OBJECT_PERMISSIONS.filter((p) => v.has(p))]),
    ),
  };
}
