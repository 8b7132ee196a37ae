/**
 * A tenant's group → role map and default role, shared by the CLI and the Worker. A mapping names
 * a group by displayName or externalId, matched case-insensitively (SQLite `lower()`, as
 * src/tenants/access.ts reads it); its role is stored in the catalog's spelling, so access.ts can
 * rank it by the catalog. The effective role itself is computed in access.ts.
 */
import { and, asc, eq, sql } from 'drizzle-orm';
import { insertChunks } from '../db/batch.ts';
import { now, type Database } from '../db/client.ts';
import { roleMappings, tenants } from '../db/schema.ts';
import { auditInsert, type AuditActor } from '../audit/audit-log.ts';
import { foldCase } from '../common/fold-case.ts';
import type { Tenant } from './tenant-store.ts';
import { StoreError } from '../http/errors.ts';

/** One mapping as stored. */
export type RoleMapping = Pick<typeof roleMappings.$inferSelect, 'groupName' | 'role' | 'createdAt'>;

/** A group name and the role it grants, as the operator wrote them. */
export interface RoleMappingInput {
  groupName: string;
  role: string;
}

/** `role` in the catalog's spelling (compared case-insensitively), or an error listing the catalog. */
export function catalogRole(tenant: Pick<Tenant, 'slug' | 'roles'>, role: string): string {
  const known = tenant.roles.find((r) => r.toLowerCase() === role.trim().toLowerCase());
  if (known === undefined) throw new StoreError(`"${role}" is not a role of tenant "${tenant.slug}"; its roles are: ${tenant.roles.join(', ')}`);
  return known;
}

function groupNameOf(raw: string): string {
  const name = raw.trim();
  if (name === '') throw new StoreError('a group name cannot be empty');
  return name;
}

/** The tenant's mappings, by group name. */
export async function listRoleMappings(db: Database, tenant: Tenant): Promise<RoleMapping[]> {
  return db
    .select({ groupName: roleMappings.groupName, role: roleMappings.role, createdAt: roleMappings.createdAt })
    .from(roleMappings)
    .where(eq(roleMappings.tenantId, tenant.id))
    .orderBy(asc(sql`lower(${roleMappings.groupName})`))
    .all();
}

const loweredIn = (names: readonly string[]) => sql`lower(${roleMappings.groupName}) IN (SELECT lower(value) FROM json_each(${JSON.stringify(names)}))`;

/**
 * Maps each group to its role, replacing any mapping of the same group name (case-insensitive);
 * every role must be in the tenant's catalog, else nothing changes.
 */
export async function mapGroupsToRoles(db: Database, tenant: Tenant, inputs: readonly RoleMappingInput[], actor: AuditActor = 'cli'): Promise<RoleMapping[]> {
  if (inputs.length === 0) throw new StoreError('give at least one "Group Name=role" mapping');
  const createdAt = now();
  const mappings = inputs.map((input) => ({ groupName: groupNameOf(input.groupName), role: catalogRole(tenant, input.role), createdAt }));
  const seen = new Set<string>();
  for (const { groupName } of mappings) {
    if (seen.has(foldCase(groupName))) throw new StoreError(`group "${groupName}" is mapped twice (group names are case-insensitive)`);
    seen.add(foldCase(groupName));
  }
  await db.batch([
    db.delete(roleMappings).where(and(eq(roleMappings.tenantId, tenant.id), loweredIn(mappings.map((m) => m.groupName)))),
    ...insertChunks(mappings.map((m) => ({ tenantId: tenant.id, ...m }))).map((rows) => db.insert(roleMappings).values(rows)),
    auditInsert(db, { tenantId: tenant.id, actor, action: 'roles.map', resourceType: 'Tenant', resourceId: tenant.id, outcome: 'success', detail: mappings.map((m) => `${m.groupName}=${m.role}`).join(', ') }),
  ]);
  return mappings;
}

/** Removes the mappings of `groupNames` (case-insensitive); an unmapped name is an error and nothing changes. */
export async function unmapGroups(db: Database, tenant: Tenant, groupNames: readonly string[], actor: AuditActor = 'cli'): Promise<RoleMapping[]> {
  const mappings = await listRoleMappings(db, tenant);
  if (groupNames.length === 0) throw new StoreError('give at least one group name to unmap');
  const wanted = groupNames.map(groupNameOf);
  const removed = mappings.filter((m) => wanted.some((name) => foldCase(name) === foldCase(m.groupName)));
  const missing = wanted.filter((name) => !mappings.some((m) => foldCase(m.groupName) === foldCase(name)));
  if (missing.length) throw new StoreError(`tenant "${tenant.slug}" has no mapping for ${missing.map((n) => `"${n}"`).join(', ')}`, 'not_found', `roles list ${tenant.slug}`);
  await db.batch([
    db.delete(roleMappings).where(and(eq(roleMappings.tenantId, tenant.id), loweredIn(wanted))),
    auditInsert(db, { tenantId: tenant.id, actor, action: 'roles.unmap', resourceType: 'Tenant', resourceId: tenant.id, outcome: 'success', detail: removed.map((m) => m.groupName).join(', ') }),
  ]);
  return removed;
}

/** The tenant's two role settings and the audit action of each. */
const ROLE_SETTINGS = { defaultRole: 'roles.default', configuringRole: 'roles.configuring' } as const;

async function setRoleSetting(db: Database, tenant: Tenant, setting: keyof typeof ROLE_SETTINGS, role: string, actor: AuditActor): Promise<Tenant> {
  const value = catalogRole(tenant, role);
  const updatedAt = now();
  await db.batch([
    db.update(tenants).set({ [setting]: value, updatedAt }).where(eq(tenants.id, tenant.id)),
    auditInsert(db, { tenantId: tenant.id, actor, action: ROLE_SETTINGS[setting], resourceType: 'Tenant', resourceId: tenant.id, outcome: 'success', detail: value }),
  ]);
  return { ...tenant, [setting]: value, updatedAt };
}

/** Sets the role of users no SCIM role or mapped group gives one; it must be in the catalog. */
export function setDefaultRole(db: Database, tenant: Tenant, role: string, actor: AuditActor = 'cli'): Promise<Tenant> {
  return setRoleSetting(db, tenant, 'defaultRole', role, actor);
}

/** Sets the lowest role that may change the tenant's configuration in its console ("Admin or higher"); it must be in the catalog. */
export function setConfiguringRole(db: Database, tenant: Tenant, role: string, actor: AuditActor = 'cli'): Promise<Tenant> {
  return setRoleSetting(db, tenant, 'configuringRole', role, actor);
}
