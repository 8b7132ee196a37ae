/**
 * `npm start`: local defaults on a fresh clone — creates `.dev.vars` if missing, applies pending
 * D1 migrations to the local state, then serves the Worker on 127.0.0.1:$PORT (default 8787) and
 * records that origin in the state folder for the CLI. `wrangler dev` runs no cron triggers, so
 * this runs wrangler.toml's (the webhook sweep each minute, the event prune each hour) as Cloudflare would.
 */
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { localStateDir } from './lib/database.ts';
import { ensureDevVars, PROJECT_ROOT } from './lib/dev-vars.ts';
import { recordServedOrigin, servedOrigin } from './lib/local-origin.ts';

const wrangler = join(PROJECT_ROOT, 'node_modules', '.bin', 'wrangler');
const env = { ...process.env, WRANGLER_SEND_METRICS: 'false' };
const port = process.env.PORT ?? '8787';

ensureDevVars();
const migrate = spawnSync(wrangler, ['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', localStateDir()], {
  cwd: PROJECT_ROOT,
  env,
  stdio: 'inherit',
});
if (migrate.status !== 0) process.exit(migrate.status ?? 1);

const dev = spawn(wrangler, ['dev', '--ip', '127.0.0.1', '--port', port, '--persist-to', localStateDir(), '--show-interactive-dev-session=false', '--test-scheduled'], {
  cwd: PROJECT_ROOT,
  env,
  stdio: 'inherit',
});
// The CLI prints its URLs against this origin while the server runs.
const forgetOrigin = recordServedOrigin(servedOrigin(port));
// Each minute the sweep; at minute 41 also the prune (wrangler.toml [triggers]).
const runCron = (cron: string) => fetch(`${servedOrigin(port)}/__scheduled?cron=${encodeURIComponent(cron)}`).then((r) => r.body?.cancel(), () => undefined);
const crons = setInterval(() => {
  void runCron('* * * * *');
  if (new Date().getMinutes() === 41) void runCron('41 * * * *');
}, 60_000);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => dev.kill(signal));
dev.on('exit', (code) => {
  clearInterval(crons);
  forgetOrigin();
  process.exit(code ?? 0);
});
