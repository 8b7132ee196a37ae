/** Runs the tenant CLI and `npm start` against a throw-away local state folder. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';

export const ROOT = join(import.meta.dirname, '..', '..', '..');
const NODE = join(ROOT, 'node_modules', '.bin', 'node');
const WRANGLER = join(ROOT, 'node_modules', '.bin', 'wrangler');

export interface CliRun {
  status: number;
  stdout: string;
  stderr: string;
}

/** A temporary state folder with the migrations applied, as `npm start` leaves it (or left empty). */
export function freshState({ migrated = true } = {}): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'edge-identity-state-'));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  if (!migrated) return { dir, remove };
  const run = spawnSync(WRANGLER, ['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', dir], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true' },
  });
  if (run.status !== 0) throw new Error(`migrations failed: ${run.stderr}`);
  return { dir, remove };
}

/** `npm run tenant -- …args` on `stateDir`. */
export function tenantCli(stateDir: string, args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(NODE, [join(ROOT, 'scripts', 'tenant.ts'), ...args], {
      cwd: ROOT,
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false', EDGE_IDENTITY_STATE: stateDir, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status: status ?? -1, stdout, stderr }));
  });
}

/** `cli(...args)` on `stateDir`, and `json(...args)`: with --json, expecting exit 0 and one JSON object. */
export function cliRunner(stateDir: string) {
  const cli = (...args: string[]) => tenantCli(stateDir, args);
  const json = async (...args: string[]) => {
    const run = await cli(...args, '--json');
    expect(run.stderr, run.stderr).not.toMatch(/error/i);
    expect(run.status).toBe(0);
    return JSON.parse(run.stdout) as Record<string, unknown>;
  };
  return { cli, json };
}

/** `npm start` on `port` and `stateDir`; resolves once the server answers. */
export async function startServer(stateDir: string, port: number): Promise<{ url: string; stop(): Promise<void> }> {
  const child: ChildProcess = spawn(NODE, [join(ROOT, 'scripts', 'start.ts')], {
    cwd: ROOT,
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', EDGE_IDENTITY_STATE: stateDir, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.on('exit', resolve));
    process.kill(-child.pid!, 'SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    if (child.exitCode === null) process.kill(-child.pid!, 'SIGKILL');
  };
  for (let attempt = 0; attempt < 120; attempt++) {
    if (child.exitCode !== null) throw new Error(`npm start exited early:\n${output}`);
    try {
      const res = await fetch(url);
      if (res.ok) return { url, stop };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  await stop();
  throw new Error(`npm start did not answer within 30 s:\n${output}`);
}
