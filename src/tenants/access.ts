/**
 * A user's access in one lookup: the user, whether active, their SCIM roles and groups, the roles
 * the tenant's group→role map grants (from SCIM groups and from the ID token's filtered groups
 * claim), and the effective role. Read on every `/auth/session` call, so deactivation, deletion and
 * role changes through SCIM take effect on the next call.
 */
import { and, asc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { groupMembers, groups, roleMappings, tenants, users } from '../db/schema.ts';
import { highestRole } from './roles.ts';
import { foldCase } from '../common/fold-case.ts';

/** Everything sign-in and `/auth/session` need to know about a user's standing in their tenant. */
export interface UserAccess {
  tenant: { id: string; slug: string; roles: string[]; defaultRole: string };
  user: { id: string; userName: string; externalId: string | null; displayName: string | null; active: boolean; data: Record<string, unknown> };
  /** `roles[].value` of the SCIM resource (RFC 7643 §4.1.2). */
  scimRoles: string[];
  /** Display names of the SCIM groups the user is a member of. */
  scimGroups: string[];
  /** The claim's groups that still count: those no SCIM group of the tenant is named (lower-cased). */
  claimGroups: string[];
  /** Roles `role_mappings` grants for the SCIM groups (by displayName or externalId) and the claim groups that count. */
  mappedRoles: string[];
  /** Highest (by catalog order) of SCIM roles and mapped roles, else the tenant's default role. */
  role: string;
}

function stringArray(json: string | null): string[] {
  const parsed: unknown = JSON.parse(json ?? '[]');
  return Array.isArray(parsed) ? parsed.filter((v): v is string => typeof v === 'string') : [];
}

/** The `value`s of a SCIM resource's multi-valued `roles`. */
function scimRoleValues(data: Record<string, unknown>): string[] {
  const roles = data.roles;
  if (!Array.isArray(roles)) return [];
  return roles.flatMap((r) => (typeof r === 'object' && r !== null && typeof (r as { value?: unknown }).value === 'string' ? [(r as { value: string }).value] : []));
}

/**
 * The access of `userId` in `tenantId`, or undefined when there is no such user (deleted, or never
 * there). `claimGroups` are the ID token's groups after the tenant's filter, as of sign-in; they
 * grant roles through `role_mappings` (case-insensitive) like SCIM groups do, except a group SCIM
 * also knows by that name: its SCIM membership, current on every call, decides instead.
 */
export async function userAccess(db: Database, tenantId: string, userId: string, claimGroups: readonly string[] = []): Promise<UserAccess | undefined> {
  const claimJson = JSON.stringify(claimGroups.map(foldCase));
  // The user's groups as names the role map can match: display names and external ids, lower-cased.
  const countedClaims = sql`SELECT "c"."value" FROM json_each(${claimJson}) AS "c"
    WHERE NOT EXISTS (SELECT 1 FROM ${groups} WHERE ${groups.tenantId} = ${users.tenantId} AND lower(${groups.displayName}) = "c"."value")`;
  const memberGroupKeys = sql`SELECT lower(${groups.displayName}) FROM ${groupMembers} JOIN ${groups} ON ${groups.id} = ${groupMembers.groupId} WHERE ${groupMembers.userId} = ${users.id}
    UNION SELECT lower(${groups.externalId}) FROM ${groupMembers} JOIN ${groups} ON ${groups.id} = ${groupMembers.groupId} WHERE ${groupMembers.userId} = ${users.id} AND ${groups.externalId} IS NOT NULL
    UNION ${countedClaims}`;
  const row = await db
    .select({
      id: users.id,
      userName: users.userName,
      externalId: users.externalId,
      displayName: users.displayName,
      active: users.active,
      data: users.data,
      slug: tenants.slug,
      roles: tenants.roles,
      defaultRole: tenants.defaultRole,
      scimGroups: sql<string>`(SELECT json_group_array(${groups.displayName}) FROM ${groupMembers} JOIN ${groups} ON ${groups.id} = ${groupMembers.groupId} WHERE ${groupMembers.userId} = ${users.id})`,
      claimGroups: sql<string>`(SELECT json_group_array("value") FROM (${countedClaims}))`,
      mappedRoles: sql<string>`(SELECT json_group_array(DISTINCT ${roleMappings.role}) FROM ${roleMappings} WHERE ${roleMappings.tenantId} = ${users.tenantId} AND lower(${roleMappings.groupName}) IN (${memberGroupKeys}))`,
    })
    .from(users)
    .innerJoin(tenants, eq(tenants.id, users.tenantId))
    // A deleted tenant's users keep no access while their rows are being deleted.
    .where(and(eq(users.tenantId, tenantId), eq(users.id, userId), isNull(tenants.deletingSince)))
    .get();
  if (!row) return undefined;
  const scimRoles = scimRoleValues(row.data);
  const mappedRoles = stringArray(row.mappedRoles);
  return {
    tenant: { id: tenantId, slug: row.slug, roles: row.roles, defaultRole: row.defaultRole },
    user: { id: row.id, userName: row.userName, externalId: row.externalId, displayName: row.displayName, active: row.active, data: row.data },
    scimRoles,
    scimGroups: stringArray(row.scimGroups),
    claimGroups: stringArray(row.claimGroups),
    mappedRoles,
    role: highestRole(row.roles, [...scimRoles, ...mappedRoles]) ?? row.defaultRole,
  };
}

/** What a list of users shows of each: the role SCIM and group mappings give them, and their SCIM groups' names. */
export interface ListedAccess {
  role: string;
  groups: string[];
}

/**
 * The role and SCIM groups of each of `listed` (a page of users, with their SCIM `roles`), by the
 * rule of userAccess without claim groups: two set queries in one round trip, whatever the page size.
 */
export async function listedAccess(db: Database, tenant: { id: string; roles: string[]; defaultRole: string }, listed: readonly { id: string; roles?: unknown }[]): Promise<Map<string, ListedAccess>> {
  const ids = listed.map((u) => u.id);
  if (ids.length === 0) return new Map();
  const ofPage = and(eq(groupMembers.tenantId, tenant.id), inArray(groupMembers.userId, ids));
  const [memberships, grants] = await db.batch([
    db.select({ userId: groupMembers.userId, name: groups.displayName }).from(groupMembers).innerJoin(groups, eq(groups.id, groupMembers.groupId)).where(ofPage).orderBy(asc(groups.displayName)),
    db
      .select({ userId: groupMembers.userId, role: roleMappings.role })
      .from(groupMembers)
      .innerJoin(groups, eq(groups.id, groupMembers.groupId))
      .innerJoin(roleMappings, and(eq(roleMappings.tenantId, groups.tenantId), sql`lower(${roleMappings.groupName}) IN (lower(${groups.displayName}), lower(${groups.externalId}))`))
      .where(ofPage),
  ]);
  return new Map(
    listed.map((u) => {
      const mapped = grants.filter((g) => g.userId === u.id).map((g) => g.role);
      const role = highestRole(tenant.roles, [...scimRoleValues({ roles: u.roles }), ...mapped]) ?? tenant.defaultRole;
      return [u.id, { role, groups: memberships.filter((m) => m.userId === u.id).map((m) => m.name) }] as const;
    }),
  );
}
