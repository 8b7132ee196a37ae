/**
 * Serves the project for outside benchmarks exactly as `npm run bench` does: the built Worker in
 * workerd, one SCIM-enabled tenant. Prints one JSON line `{"url","scimBase","token"}` on stdout and
 * stays up until SIGTERM (or SIGINT), then stops the Worker and removes its state and build.
 * Run: `node bench/serve.ts` (the project's Node 22, as every npm script).
 */
import { BENCH_SLUG, serveBenchTenant } from './setup.ts';

const { worker, token, stop: stopServing } = await serveBenchTenant();
process.stdout.write(`${JSON.stringify({ url: worker.url, scimBase: `${worker.url}/scim/v2/${BENCH_SLUG}`, token })}\n`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await stopServing();
  process.exit(0);
};
// Miniflare installs its own exit-on-signal listeners; this process stops the Worker itself, then exits 0.
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.removeAllListeners(signal);
  process.on(signal, () => void stop());
}
