/**
 * The D1 database the CLI works on. Locally: the same persisted SQLite file `npm start` serves,
 * so a running server sees every change at once. With --remote:
 * the deployed database, through `wrangler d1 execute --remote` behind a D1-shaped adapter, so the
 * same drizzle queries of src/ serve both.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { convertV4MiniflareOptions, Log, LogLevel, Miniflare } from 'miniflare';
import { database, type D1Statements, type Database } from '../../src/db/client.ts';
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

/** The `database_id` of wrangler.toml's DB binding: it also names the local SQLite file. */
function localDatabaseId(): string {
  const toml = readFileSync(join(PROJECT_ROOT, 'wrangler.toml'), 'utf8');
  const id = /^database_id\s*=\s*"([^"]+)"/m.exec(toml)?.[1];
  if (!id) throw new Error('wrangler.toml has no [[d1_databases]] DB binding');
  return id;
}

/**
 * Opens the local state's D1 (migrations must have been applied: `npm start` does) in a workerd of
 * its own, at the path `wrangler dev --persist-to` uses. Miniflare directly rather than wrangler's
 * platform proxy: no config file to write (parallel runs raced on it) and workerd's own log lines
 * stay out of the CLI's stderr (a retried SQLITE_BUSY is not the operator's concern).
 */
export async function openLocalDatabase(): Promise<OpenDatabase> {
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      log: new Log(LogLevel.NONE),
      handleStructuredLogs: () => undefined,
      resourcePersistencePath: join(localStateDir(), 'v3'),
      modules: true,
      script: 'export default {}',
      d1Databases: { DB: localDatabaseId() },
    }),
  );
  const d1 = (await mf.getD1Database('DB')) as unknown as D1Database;
  return { db: database(retryingWhenBusy(d1)), close: () => mf.dispose() };
}

const BUSY_RETRY_MS = [10, 25, 50, 100, 200, 400, 800, 1600, 1600, 1600, 1600, 1600];

/**
 * The local D1 with each statement and batch retried while SQLite says SQLITE_BUSY: `npm start` and
 * other CLI runs hold the same file, and workerd's SQLite gives up at once instead of waiting.
 * A batch is one transaction, so retrying it whole is safe; so is a single statement.
 */
function retryingWhenBusy(d1: D1Statements): D1Statements {
  const original = new WeakMap<object, D1PreparedStatement>();
  const wrap = (statement: D1PreparedStatement): D1PreparedStatement => {
    const wrapped = new Proxy(statement, {
      get(target, key) {
        if (key === 'bind') return (...params: unknown[]) => wrap(target.bind(...params));
        const value = Reflect.get(target, key, target) as unknown;
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => whileBusy(() => (value as (...a: unknown[]) => Promise<unknown>).apply(target, args));
      },
    });
    original.set(wrapped, statement);
    return wrapped;
  };
  return new Proxy(d1, {
    get(target, key) {
      if (key === 'prepare') return (sql: string) => wrap(target.prepare(sql));
      if (key === 'batch') return (statements: D1PreparedStatement[]) => whileBusy(() => target.batch(statements.map((s) => original.get(s) ?? s)));
      const value = Reflect.get(target, key, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

async function whileBusy<T>(run: () => Promise<T>): Promise<T> {
  for (const delay of BUSY_RETRY_MS) {
    try {
      return await run();
    } catch (err) {
      if (!isBusy(err)) throw explainMissingTables(err);
      await new Promise((resolve) => setTimeout(resolve, delay + Math.random() * delay));
    }
  }
  return run().catch((err: unknown) => {
    throw explainMissingTables(err);
  });
}

/**
 * SQLITE_BUSY, as workerd reports it: by name, or hidden behind "internal error" — when the D1
 * simulator's bookmark read fails, and as a bare "internal error; reference = …" where workerd
 * passes on no detail (a CI run of test/node/tenant-cli.test.ts met one with two runs reading at
 * once on a loaded machine; runs like it, with workerd's log on, log `SQLite failed … database is
 * locked: SQLITE_BUSY`). Either
 * way it is thrown inside the statement's transaction, which is rolled back, so nothing of the
 * attempt was written; any other internal error still surfaces once the retries are spent.
 */
function isBusy(err: unknown): boolean {
  const text = err instanceof Error ? `${err.message} ${String(err.cause)}` : String(err);
  return /SQLITE_BUSY|Failed to get session commit token|internal error; reference = /.test(text);
}

/** An unmigrated state folder is an operator step away from working: say which step. */
function explainMissingTables(err: unknown): unknown {
  const text = err instanceof Error ? `${err.message} ${String(err.cause)}` : String(err);
  if (!/no such table/.test(text)) return err;
  return new CliError(`the local database at ${localStateDir()} has no tables yet: run \`npm start\` once (it applies the migrations), or \`npx wrangler d1 migrations apply DB --local --persist-to ${localStateDir()}\``);
}

/** Opens the deployed D1 through wrangler; each statement (or batch) is one `wrangler d1 execute`. */
export function openRemoteDatabase(): OpenDatabase {
  // drizzle's D1 driver needs only prepare/bind/all/raw/run/first/batch, which the adapter has.
  const db = database(new WranglerRemoteD1());
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

/** wrangler's JSON answer as a D1 result: its rows, and whatever meta it reported. */
function asD1Result<T>(result: ExecuteResult | undefined): D1Result<T> {
  return { results: (result?.results ?? []) as T[], success: true, meta: (result?.meta ?? {}) as D1Meta & Record<string, unknown> };
}

class RemoteStatement implements D1PreparedStatement {
  readonly sql: string;
  readonly params: Param[];
  constructor(sql: string, params: Param[] = []) {
    this.sql = sql;
    this.params = params;
  }
  bind(...params: unknown[]): RemoteStatement {
    return new RemoteStatement(this.sql, params as Param[]);
  }
  text(): string {
    return inlineParams(this.sql, this.params);
  }
  async all<T = Record<string, unknown>>(): Promise<D1Result<T>> {
    return asD1Result<T>(wranglerExecute([this.text()])[0]);
  }
  raw<T = unknown[]>(options: { columnNames: true }): Promise<[string[], ...T[]]>;
  raw<T = unknown[]>(options?: { columnNames?: false }): Promise<T[]>;
  async raw<T>(options?: { columnNames?: boolean }): Promise<T[] | [string[], ...T[]]> {
    const rows = (await this.all()).results;
    const values = rows.map((row) => Object.values(row) as T);
    return options?.columnNames ? [rows[0] ? Object.keys(rows[0]) : [], ...values] : values;
  }
  first<T = unknown>(column: string): Promise<T | null>;
  first<T = Record<string, unknown>>(): Promise<T | null>;
  async first<T>(column?: string): Promise<T | null> {
    const row = (await this.all()).results[0];
    if (row === undefined) return null;
    return (column === undefined ? row : (row[column] ?? null)) as T | null;
  }
  async run<T = Record<string, unknown>>(): Promise<D1Result<T>> {
    return this.all<T>();
  }
}

/** D1's statements and batches over `wrangler d1 execute --remote`. */
class WranglerRemoteD1 implements D1Statements {
  prepare(sql: string): RemoteStatement {
    return new RemoteStatement(sql);
  }
  async batch<T = unknown>(statements: D1PreparedStatement[]): Promise<D1Result<T>[]> {
    const texts = statements.map((s) => {
      if (!(s instanceof RemoteStatement)) throw new Error('the remote adapter batches only statements it prepared');
      return s.text();
    });
    return wranglerExecute(texts).map((r) => asD1Result<T>(r));
  }
}
