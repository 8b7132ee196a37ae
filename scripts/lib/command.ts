/** The tenant CLI's command contract: every command module exports a list of these. */
import type { Database } from '../../src/db/client.ts';
import { requireTenant, type Tenant } from '../../src/tenants/tenant-store.ts';
import { parseDuration } from '../../src/tenants/tokens.ts';

/** `positionals` in order; `--flag value` as a string, a bare `--flag` as true. */
export interface ParsedArgs {
  positionals: string[];
  flags: Record<string, string | true>;
}

/** What a command runs against: local state (as `npm start` serves it) or, with --remote, the deployed D1. */
export interface CliContext {
  db: Database;
  remote: boolean;
  /** Origin the Worker is reached at, for the URLs an admin pastes into Okta. */
  publicBaseUrl: string;
  /** The Worker's SECRETS_KEY (base64, 32 bytes): `.dev.vars` locally, `EDGE_IDENTITY_SECRETS_KEY` with --remote. */
  secretsKey(): Promise<string>;
  /** Tells the running service that `tenantId`'s tokens or SCIM switch changed in D1 (scripts/lib/access-notice.ts). */
  announceAccessChanged(tenantId: string): Promise<void>;
}

/** One CLI command; `name` is its words (`token create`). */
export interface Command {
  name: string;
  usage: string;
  summary: string;
  run(ctx: CliContext, args: ParsedArgs): Promise<{ json: unknown; text: string }>;
}

/** An operator mistake: its message goes to stderr and the CLI exits 1. */
export class CliError extends Error {
  override name = 'CliError';
}

/** The flag's string value, or undefined; a bare `--flag` where a value is needed is a CliError. */
export function stringFlag(args: ParsedArgs, name: string): string | undefined {
  const value = args.flags[name];
  if (value === true) throw new CliError(`--${name} needs a value`);
  return value;
}

/** Seconds in the flag's duration (`90d`, `8h`, `30m`, `3600s`), or undefined when absent; a CliError when it is not one. */
export function durationFlag(args: ParsedArgs, name: string): number | undefined {
  const value = stringFlag(args, name);
  if (value === undefined) return undefined;
  const seconds = parseDuration(value);
  if (seconds === undefined) throw new CliError(`--${name} "${value}" is not a duration like 90d, 8h, 30m or 3600s`);
  return seconds;
}

/** The positional at `index`, or a CliError naming what is missing. */
export function positional(args: ParsedArgs, index: number, what: string): string {
  const value = args.positionals[index];
  if (value === undefined) throw new CliError(`missing <${what}>`);
  return value;
}

/** A plain-text table: a header row and aligned columns. */
export function table(rows: Record<string, unknown>[], columns: string[]): string {
  if (rows.length === 0) return '(none)';
  const cells = rows.map((row) => columns.map((c) => (row[c] === null || row[c] === undefined ? '-' : String(row[c]))));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]!.length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(columns), ...cells.map(line)].join('\n');
}

/** `key: value` lines for one record. */
export function keyValues(record: Record<string, unknown>): string {
  const width = Math.max(...Object.keys(record).map((k) => k.length));
  return Object.entries(record)
    .map(([k, v]) => `${(k + ':').padEnd(width + 1)} ${v === null || v === undefined ? '-' : typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join('\n');
}

/** The tenant the first positional names, read once at the CLI's edge; the stores take it as it is. */
export function tenantArg(ctx: CliContext, args: ParsedArgs): Promise<Tenant> {
  return requireTenant(ctx.db, positional(args, 0, 'slug'));
}
