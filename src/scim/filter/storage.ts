/**
 * Where each SCIM attribute lives in D1 (src/db/schema.ts), for the filter and sort compilers:
 * indexed column copies, memberships in `group_members`, everything else in the `data` JSON
 * (core attributes by canonical name, extension attributes under their schema URN).
 */
import { sql, type SQL } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import { groups, users, USERS_ROLES_PATH } from '../../db/schema.ts';
import type { ResolvedAttribute } from '../schema/resource-types.ts';
import type { ResourceTypeDefinition } from '../schema/types.ts';

/** The table of a resource type. */
export type ResourceTable = typeof users | typeof groups;

/** A column holding a copy of one attribute. */
export interface ColumnAttribute {
  column: SQLiteColumn;
  nullable: boolean;
}

const COMMON_COLUMNS = (table: ResourceTable): Record<string, ColumnAttribute> => ({
  id: { column: table.id, nullable: false },
  externalId: { column: table.externalId, nullable: true },
  'meta.created': { column: table.createdAt, nullable: false },
  'meta.lastModified': { column: table.updatedAt, nullable: false },
});

const USER_COLUMNS: Record<string, ColumnAttribute> = {
  ...COMMON_COLUMNS(users),
  userName: { column: users.userName, nullable: false },
  displayName: { column: users.displayName, nullable: true },
  active: { column: users.active, nullable: false },
};

const GROUP_COLUMNS: Record<string, ColumnAttribute> = {
  ...COMMON_COLUMNS(groups),
  displayName: { column: groups.displayName, nullable: false },
};

/** `users` for User, `groups` for Group. */
export function resourceTable(resourceType: ResourceTypeDefinition): ResourceTable {
  return resourceType.name === 'Group' ? groups : users;
}

/** The column copy of a resolved attribute, if it has one. */
export function attributeColumn(resourceType: ResourceTypeDefinition, resolved: ResolvedAttribute): ColumnAttribute | undefined {
  if (resolved.origin === 'extension') return undefined;
  const key = resolved.path.subAttr === undefined ? resolved.path.name : `${resolved.path.name}.${resolved.path.subAttr}`;
  const columns = resourceType.name === 'Group' ? GROUP_COLUMNS : USER_COLUMNS;
  return Object.hasOwn(columns, key) ? columns[key] : undefined;
}

/** The attributes kept outside `data`: User `groups` and Group `members` (table `group_members`). */
export function isMembershipAttribute(resourceType: ResourceTypeDefinition, resolved: ResolvedAttribute): boolean {
  if (resolved.origin !== 'core') return false;
  return resourceType.name === 'Group' ? resolved.attribute.name === 'members' : resolved.attribute.name === 'groups';
}

/** Common attributes that are not in `data` and have no column (the rest of `meta`). */
export function isUnstoredCommonAttribute(resolved: ResolvedAttribute): boolean {
  return resolved.origin === 'common' && resolved.attribute.name === 'meta';
}

/**
 * The JSON path of a multi-valued `data` attribute whose presence has a partial index
 * (`users_tenant_with_roles`), if it has one: a test on it searches that index for the few rows
 * holding any, instead of every row's JSON. The index is used only for this exact path text.
 */
export function presenceIndexPath(resourceType: ResourceTypeDefinition, arrayKeys: readonly string[]): SQL | undefined {
  return resourceType.name === 'User' && arrayKeys.length === 1 && arrayKeys[0] === 'roles' ? sql.raw(`'${USERS_ROLES_PATH}'`) : undefined;
}

// Names come from the schema definitions, never from request text; this guards that invariant.
const SAFE_KEY = /^[A-Za-z$][A-Za-z0-9_.:$-]*$/;

/** The SQLite JSON path `'$."k1"."k2"'` as an SQL literal (keys quoted: URNs hold `:` and `.`). */
export function jsonPath(keys: readonly string[]): SQL {
  for (const key of keys) if (!SAFE_KEY.test(key)) throw new Error(`unsafe JSON path key ${JSON.stringify(key)}`);
  return sql.raw(`'$${keys.map((key) => `."${key}"`).join('')}'`);
}

/** Splits a resolved attribute's keys into the array of a multi-valued attribute and the path inside an element. */
export function splitAtArray(resolved: ResolvedAttribute): { arrayKeys: string[]; elementKeys: string[] } {
  const arrayLength = resolved.origin === 'extension' ? 2 : 1;
  return { arrayKeys: resolved.keys.slice(0, arrayLength), elementKeys: resolved.keys.slice(arrayLength) };
}
