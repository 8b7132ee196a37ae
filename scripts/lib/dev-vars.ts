/**
 * Local secrets for `npm start`, the CLI and the benchmark: `.dev.vars` is created with fresh
 * random values on first use, so a fresh clone runs without manual steps.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const PROJECT_ROOT = join(import.meta.dirname, '..', '..');
const DEV_VARS = join(PROJECT_ROOT, '.dev.vars');

/** A fresh SECRETS_KEY: base64 of 32 random bytes. */
export function randomSecretsKey(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64');
}

/** Reads `.dev.vars` (KEY=value lines), creating it from local defaults when it is missing. */
export function ensureDevVars(): Record<string, string> {
  if (!existsSync(DEV_VARS)) {
    writeFileSync(
      DEV_VARS,
      [
        '# Local development secrets, created by `npm start` (see .dev.vars.example).',
        `SECRETS_KEY=${randomSecretsKey()}`,
        'LOCAL_DEV=true',
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
  }
  const vars: Record<string, string> = {};
  for (const line of readFileSync(DEV_VARS, 'utf8').split('\n')) {
    const match = /^\s*([A-Z0-9_]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (match) vars[match[1]!] = match[2]!.replace(/^"(.*)"$/, '$1');
  }
  return vars;
}
