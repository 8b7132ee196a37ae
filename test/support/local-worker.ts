/**
 * Serves the built Worker on 127.0.0.1 in workerd through Miniflare's API (no `wrangler dev` and
 * its proxy), with wrangler.toml's bindings, D1/KV/DO state in a folder and the D1 migrations
 * applied. Used by node-side tests (a browser, real HTTP) and by `npm run bench`.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { convertV4MiniflareOptions, Log, LogLevel, Miniflare } from 'miniflare';
import { unstable_getMiniflareWorkerOptions, unstable_splitSqlQuery } from 'wrangler';
import { PROJECT_ROOT, randomSecretsKey } from '../../scripts/lib/dev-vars.ts';

const MIGRATIONS_DIR = join(PROJECT_ROOT, 'migrations');

/** The Worker as `wrangler deploy` would upload it. */
export interface WorkerBuild {
  outDir: string;
  /** The entry module (`index.js`). */
  entry: string;
  bytes: number;
  gzipBytes: number;
  remove(): void;
}

/** Bundles the Worker of `projectDir` (default: this one) with `wrangler deploy --dry-run --outdir` into a temp folder. */
export async function buildWorker(projectDir = PROJECT_ROOT): Promise<WorkerBuild> {
  const outDir = mkdtempSync(join(tmpdir(), 'edge-identity-build-'));
  // Run by this process's Node (22, the project's), not whichever `node` PATH finds first.
  const wrangler = join(PROJECT_ROOT, 'node_modules', 'wrangler', 'bin', 'wrangler.js');
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, [wrangler, 'deploy', '--dry-run', '--outdir', outDir], {
      cwd: projectDir,
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => (text += chunk));
    child.stderr.on('data', (chunk: Buffer) => (text += chunk));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`wrangler deploy --dry-run failed (${code}):\n${text}`))));
  });
  const entry = join(outDir, 'index.js');
  const source = readFileSync(entry);
  if (!/Total Upload/.test(output)) throw new Error(`unexpected wrangler output:\n${output}`);
  return {
    outDir,
    entry,
    bytes: statSync(entry).size,
    gzipBytes: gzipSync(source, { level: 9 }).length,
    remove: () => rmSync(outDir, { recursive: true, force: true }),
  };
}

/** The migrations in migrations/, in order (drizzle-kit names them `0000_name.sql`). */
function migrationFiles(): string[] {
  return readdirSync(MIGRATIONS_DIR)
    .filter((name) => name.endsWith('.sql'))
    .sort();
}

/**
 * Applies pending migrations like `wrangler d1 migrations apply`: each file once, recorded in the
 * same `d1_migrations` table, so a persisted folder can be reopened. `before` stops at the first
 * file whose name is not below it (a migration test fills the schema as it was, then goes on).
 */
export async function applyMigrations(db: D1Database, before?: string): Promise<void> {
  await db
    .prepare('CREATE TABLE IF NOT EXISTS d1_migrations (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL)')
    .run();
  const applied = new Set((await db.prepare('SELECT name FROM d1_migrations').all<{ name: string }>()).results.map((r) => r.name));
  for (const name of migrationFiles()) {
    if (before !== undefined && name >= before) break;
    if (applied.has(name)) continue;
    const statements = unstable_splitSqlQuery(readFileSync(join(MIGRATIONS_DIR, name), 'utf8'))
      .map((s) => s.replace(/-->\s*statement-breakpoint/g, '').trim())
      .filter((s) => s.length > 0);
    await db.batch([...statements.map((s) => db.prepare(s)), db.prepare('INSERT INTO d1_migrations (name) VALUES (?)').bind(name)]);
  }
}

export interface LocalWorkerOptions {
  /** Extra or overriding variables (defaults: a random `SECRETS_KEY`, `LOCAL_DEV=true`). */
  vars?: Record<string, string>;
  /** Where D1/KV/DO state lives; default: a temp folder removed by `stop()`. */
  persistDir?: string;
  /** An existing build to serve (the bench reuses its own); default: build now, remove on stop. */
  build?: WorkerBuild;
  /** Opens workerd's V8 inspector on this 127.0.0.1 port (for CPU profiles: bench/profile.ts). */
  inspectorPort?: number;
  /**
   * Calls of the SCIM limiter per token and 10 s (each stands for 10 requests). Default: wrangler.toml's binding with no practical limit, so
   * benchmarks measure the code (the limiter's call included), not the limit; the limit itself is
   * tested in workerd (test/scim-rate-limit.test.ts).
   */
  scimLimiterCallsPerPeriod?: number;
  /** The loopback port to serve on (default: a free one); a companion that must know the URL before start needs it. */
  port?: number;
  /** Other Workers served beside this one in the same workerd, with the bindings their wrangler.toml gives (a host app binding IdentityApi). */
  companions?: CompanionWorker[];
}

/** A Worker served beside Edge Identity: its build, its wrangler.toml, variables that override it. */
export interface CompanionWorker {
  name: string;
  build: WorkerBuild;
  configPath: string;
  vars?: Record<string, string>;
}

export interface LocalWorker {
  /** `http://127.0.0.1:<port>` (no trailing slash). */
  url: string;
  /** Miniflare's D1 binding of the running Worker: seed tenants and tokens with `database(db)`. */
  db: D1Database;
  build: WorkerBuild;
  /** The Worker's SECRETS_KEY (random per start): what the CLI's stores seal and open with. */
  secretsKey: string;
  /** Each companion's `http://127.0.0.1:<port>`, by name. */
  companionUrls: Record<string, string>;
  /** Runs the Worker's scheduled handler as the cron trigger `cron` would. */
  scheduled(cron: string): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Miniflare on a free 127.0.0.1 port, quiet: no per-request log line (a round trip to Node for
 * each request) and no network fetch of `cf`. Shared by the launcher and bench/runtime-costs.ts.
 */
export function quietLoopbackOptions() {
  return { host: '127.0.0.1', port: 0, log: new Log(LogLevel.WARN), logRequests: false, cf: {} };
}

/**
 * A D1 database alone in the local runtime (no Worker, no migrations applied), state in a temp
 * folder that `stop()` removes: for measuring D1 itself and for migration tests.
 */
export async function startLocalD1(): Promise<{ d1: D1Database; stop(): Promise<void> }> {
  const stateDir = mkdtempSync(join(tmpdir(), 'edge-identity-d1-'));
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      ...quietLoopbackOptions(),
      resourcePersistencePath: stateDir,
      workers: [{ name: 'd1', modules: true, script: 'export default { fetch: () => new Response(null, { status: 404 }) };', compatibilityDate: '2026-10-01', d1Databases: { DB: 'edge-identity' } }],
    }),
  );
  const stop = async () => {
    await mf.dispose();
    rmSync(stateDir, { recursive: true, force: true });
  };
  try {
    await mf.ready;
    return { d1: (await mf.getD1Database('DB')) as unknown as D1Database, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** A companion's Miniflare options: its wrangler.toml's bindings (service bindings included), its bundle, a loopback socket. */
function companionOptions(companion: CompanionWorker) {
  const { workerOptions } = unstable_getMiniflareWorkerOptions(companion.configPath);
  const { modulesRules: _rules, rootPath: _root, ...bindingOptions } = workerOptions;
  return {
    ...bindingOptions,
    name: companion.name,
    modulesRoot: companion.build.outDir,
    unsafeDirectSockets: [{ host: '127.0.0.1', port: 0 }],
    modules: [{ type: 'ESModule' as const, path: companion.build.entry, contents: readFileSync(companion.build.entry, 'utf8') }],
    bindings: { ...(bindingOptions.bindings as Record<string, string> | undefined), ...companion.vars },
  };
}

/** Starts the Worker in workerd on a free 127.0.0.1 port; `stop()` shuts it down and cleans up. */
export async function startLocalWorker(options: LocalWorkerOptions = {}): Promise<LocalWorker> {
  const build = options.build ?? (await buildWorker());
  const stateDir = options.persistDir ?? mkdtempSync(join(tmpdir(), 'edge-identity-state-'));
  // wrangler.toml's bindings as Miniflare options; the bundle is one ES module, so no module rules.
  const { workerOptions } = unstable_getMiniflareWorkerOptions(join(PROJECT_ROOT, 'wrangler.toml'));
  const { modulesRules: _rules, rootPath: _root, ...bindingOptions } = workerOptions;
  const scimLimiter = (bindingOptions.ratelimits as Record<string, { simple: { limit: number } }> | undefined)?.SCIM_LIMITER;
  if (scimLimiter) scimLimiter.simple = { ...scimLimiter.simple, limit: options.scimLimiterCallsPerPeriod ?? 1_000_000_000 };
  const secretsKey = randomSecretsKey();
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      ...quietLoopbackOptions(),
      resourcePersistencePath: stateDir,
      ...(options.inspectorPort === undefined ? {} : { inspectorPort: options.inspectorPort, inspectorHost: '127.0.0.1' }),
      workers: [
        {
          ...bindingOptions,
          name: 'edge-identity',
          modulesRoot: build.outDir,
          unsafeDirectSockets: [{ host: '127.0.0.1', port: options.port ?? 0 }],
          modules: [{ type: 'ESModule', path: build.entry, contents: readFileSync(build.entry, 'utf8') }],
          bindings: { ...(bindingOptions.bindings as Record<string, string> | undefined), SECRETS_KEY: secretsKey, LOCAL_DEV: 'true', ...options.vars },
        },
        ...(options.companions ?? []).map(companionOptions),
      ],
    }),
  );
  try {
    await mf.ready;
    const url = await mf.unsafeGetDirectURL('edge-identity');
    const db = (await mf.getD1Database('DB')) as unknown as D1Database;
    await applyMigrations(db);
    const worker = await mf.getWorker('edge-identity');
    const companionUrls: Record<string, string> = {};
    for (const companion of options.companions ?? []) companionUrls[companion.name] = (await mf.unsafeGetDirectURL(companion.name)).origin;
    return {
      url: url.origin,
      companionUrls,
      db,
      build,
      secretsKey,
      scheduled: async (cron) => {
        const result = await worker.scheduled({ cron });
        if (result.outcome !== 'ok') throw new Error(`scheduled handler for "${cron}" ended ${result.outcome}`);
      },
      stop: async () => {
        await mf.dispose();
        if (!options.persistDir) rmSync(stateDir, { recursive: true, force: true });
        if (!options.build) build.remove();
      },
    };
  } catch (err) {
    await mf.dispose();
    throw err;
  }
}
