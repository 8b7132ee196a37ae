/**
 * `node bench/serve.ts`, the way outside benchmarks serve the project: one JSON line with the URL,
 * the SCIM base and a token that works; SIGTERM stops the Worker and the process.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { expect, it } from 'vitest';
import { ROOT } from './support/cli.ts';

it('serves the built Worker with a SCIM-enabled tenant, announces it in one JSON line, and stops on SIGTERM', async () => {
  const child = spawn(process.execPath, ['bench/serve.ts'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, WRANGLER_SEND_METRICS: 'false' } });
  const exited = once(child, 'exit');
  try {
    const lines = createInterface({ input: child.stdout! });
    let announced: { url: string; scimBase: string; token: string } | undefined;
    for await (const line of lines) {
      if (line.trim().startsWith('{')) {
        announced = JSON.parse(line);
        break;
      }
    }
    expect(announced!.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(announced!.scimBase).toBe(`${announced!.url}/scim/v2/bench`);
    const headers = { authorization: `Bearer ${announced!.token}`, 'content-type': 'application/scim+json' };
    const created = await fetch(`${announced!.scimBase}/Users`, { method: 'POST', headers, body: JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'bench@acme.test' }) });
    expect(created.status).toBe(201);
    child.kill('SIGTERM');
    const [code] = await exited;
    expect(code).toBe(0);
    await expect(fetch(announced!.url)).rejects.toThrow();
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});
