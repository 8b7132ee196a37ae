/**
 * User, group, email and membership rows as JSON object texts of their columns, named as D1 (the
 * drizzle schema) names them: the tenant object's serving copy takes rows in this form as D1 sends
 * them, without decoding them (docs/serving-copy.md). The copy's tail reads rows so, and a
 * statement that moves rows' versions without an event naming them returns them so.
 */
import { is, SQL, sql } from 'drizzle-orm';
import { getTableConfig } from 'drizzle-orm/sqlite-core';
import { compileStatement, type CompiledStatement } from './compiled-statement.ts';
import { groupMembers, groups, userEmails, users } from './schema.ts';

/** The column names of each row table the copy holds. */
export const COPIED_COLUMNS = {
  users: getTableConfig(users).columns.map((c) => c.name),
  user_emails: getTableConfig(userEmails).columns.map((c) => c.name),
  groups: getTableConfig(groups).columns.map((c) => c.name),
  group_members: getTableConfig(groupMembers).columns.map((c) => c.name),
};
export type CopiedTable = keyof typeof COPIED_COLUMNS;

const rowJsonText = (table: CopiedTable, alias: string) => `json_object(${COPIED_COLUMNS[table].map((c) => `'${c}', "${alias}"."${c}"`).join(', ')})`;

/** A row of `table`, aliased `alias`, as one JSON object text. */
export function rowJson(table: CopiedTable, alias: string): SQL {
  return sql.raw(rowJsonText(table, alias));
}

/** A row a statement returned for the copy: its table, its id, the row as JSON text. */
export interface CopyRow {
  part: 'users' | 'groups';
  id: string;
  row: string;
}

/**
 * `update` (an UPDATE of `table`, placeholders allowed) compiled to return each row it changed as a
 * `CopyRow`, and marked so: for the statements that move users' or groups' versions with no event
 * naming those rows, by which the copy's tail would find them.
 */
export function compileReturningCopyRows(table: 'users' | 'groups', update: SQL | { getSQL(): SQL }): CompiledStatement<CopyRow> {
  // The builder's own SQL: a builder put in a template whole is rendered as a parenthesised subquery.
  const query = sql`${is(update, SQL) ? update : update.getSQL()} RETURNING ${sql.raw(`'${table}' AS "part", "${table}"."id" AS "id", ${rowJsonText(table, table)} AS "row"`)}`;
  return { ...compileStatement<CopyRow>(query), copyRows: true };
}
