/**
 * The D1 database the CLI works on. Locally: the same persisted state `npm start` serves, opened
 * through wrangler's platform proxy, so a running server sees every change at once. With --remote:
 * the deployed database, through `wrangler d1 execute --remote` behind a D1-shaped adapter, so the
 * same drizzle queries of src/ serve both.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getPlatformProxy } from 'wrangler';
import { database, type Database } from '../../src/db/client.ts';
import { CliError } from './command.ts';
import { PROJECT_ROOT } from './dev-vars.ts';

/** Where local D1/KV/DO state lives (wrangler's `--persist-to`); tests point it at a temp folder. */
export function localStateDir(): string {
  return process.env.EDGE_IDENTITY_STATE ?? join(PROJECT_ROOT, '.wrangler', 'state');
}

export interface OpenDatabase {
  db: Database;
  close(): Promise<void>;
}

/** The DB binding of wrangler.toml (its `database_id` also names the local SQLite file). */
function d1Binding(): { database_name: string; database_id: string } {
  const toml = readFileSync(join(PROJECT_ROOT, 'wrangler.toml'), 'utf8');
  const database_name = /^database_name\s*=\s*"([^"]+)"/m.exec(toml)?.[1];
  const database_id = /^database_id\s*=\s*"([^"]+)"/m.exec(toml)?.[1];
  if (!database_name || !database_id) throw new Error('wrangler.toml has no [[d1_databases]] DB binding');
  return { database_name, database_id };
}

/**
 * Opens the local state's D1 (migrations must have been applied: `npm start` does) through
 * wrangler's platform proxy, at the path `wrangler dev --persist-to` uses. The proxy gets a config
 * holding only the D1 binding: the Worker's Durable Object binding has no class to run here.
 */
export async function openLocalDatabase(): Promise<OpenDatabase> {
  const configDir = join(localStateDir(), 'cli');
  mkdirSync(configDir, { recursive: true });
  const configPath = join(configDir, 'wrangler.json');
  writeFileSync(configPath, JSON.stringify({ name: 'edge-identity-cli', compatibility_date: '2026-10-01', d1_databases: [{ binding: 'DB', ...d1Binding() }] }));
  const proxy = await getPlatformProxy<{ DB: D1Database }>({
    configPath,
    persist: { path: join(localStateDir(), 'v3') },
    remoteBindings: false,
    envFiles: [],
  });
  return { db: database(proxy.env.DB), close: () => proxy.dispose() };
}

/** Opens the deployed D1 through wrangler; each statement (or batch) is one `wrangler d1 execute`. */
export function openRemoteDatabase(): OpenDatabase {
  // drizzle's D1 driver needs only prepare/bind/all/raw/run/first/batch, which the adapter has.
  const db = database(new WranglerRemoteD1() as unknown as D1Database);
  return { db, close: async () => undefined };
}

type Param = string | number | boolean | null | bigint | ArrayBuffer | Uint8Array;

/** SQL text with each `?` outside quotes replaced by the next parameter as a literal. */
export function inlineParams(sql: string, params: readonly Param[]): string {
  let out = '';
  let next = 0;
  let quote: string | undefined;
  for (const ch of sql) {
    if (quote) {
      if (ch === quote) quote = undefined;
      out += ch;
    } else if (ch === "'" || ch === '"' || ch === '`') {
      quote = ch;
      out += ch;
    } else if (ch === '?') {
      if (next >= params.length) throw new Error('more placeholders than parameters');
      out += sqlLiteral(params[next++]!);
    } else out += ch;
  }
  if (next !== params.length) throw new Error('more parameters than placeholders');
  return out;
}

function sqlLiteral(value: Param): string {
  if (value === null) return 'NULL';
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (typeof value === 'string') return `'${value.replace(/'/g, "''")}'`;
  const bytes = value instanceof Uint8Array ? value : new Uint8Array(value);
  return `X'${Buffer.from(bytes).toString('hex')}'`;
}

interface ExecuteResult {
  results: Record<string, unknown>[];
  meta?: Record<string, unknown>;
}

function wranglerExecute(statements: string[]): ExecuteResult[] {
  const run = spawnSync(
    join(PROJECT_ROOT, 'node_modules', '.bin', 'wrangler'),
    ['d1', 'execute', 'DB', '--remote', '--json', '--command', statements.join(';\n')],
    { cwd: PROJECT_ROOT, encoding: 'utf8', env: { ...process.env, WRANGLER_SEND_METRICS: 'false' } },
  );
  if (run.status !== 0) throw new CliError(`wrangler d1 execute --remote failed: ${(run.stderr || run.stdout).trim()}`);
  return JSON.parse(run.stdout) as ExecuteResult[];
}

class RemoteStatement {
  readonly sql: string;
  readonly params: Param[];
  constructor(sql: string, params: Param[] = []) {
    this.sql = sql;
    this.params = params;
  }
  bind(...params: Param[]): RemoteStatement {
    return new RemoteStatement(this.sql, params);
  }
  text(): string {
    return inlineParams(this.sql, this.params);
  }
  async all() {
    const [result] = wranglerExecute([this.text()]);
    return { results: result?.results ?? [], success: true, meta: result?.meta ?? {} };
  }
  async raw() {
    return (await this.all()).results.map((row) => Object.values(row));
  }
  async first() {
    return (await this.all()).results[0] ?? null;
  }
  async run() {
    return this.all();
  }
}

class WranglerRemoteD1 {
  prepare(sql: string): RemoteStatement {
    return new RemoteStatement(sql);
  }
  async batch(statements: RemoteStatement[]) {
    return wranglerExecute(statements.map((s) => s.text())).map((r) => ({ results: r.results, success: true, meta: r.meta ?? {} }));
  }
}
