/**
 * The origin the local Worker is served at, kept in one place: `npm start` records it in the local
 * state folder while it serves, and the CLI prints URLs (SCIM base URL, setup links) against it,
 * so `PORT=9000 npm start` and a CLI run in another shell agree without repeating the port.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { localStateDir } from './database.ts';

const DEFAULT_PORT = '8787';
const recordFile = () => join(localStateDir(), 'served-origin');

/** The origin `npm start` serves at for `port`. */
export function servedOrigin(port: string): string {
  return `http://127.0.0.1:${port}`;
}

/** Notes that `npm start` serves at `origin`; the returned function forgets it again (on exit). */
export function recordServedOrigin(origin: string): () => void {
  writeFileSync(recordFile(), `${origin}\n`);
  return () => rmSync(recordFile(), { force: true });
}

/** The local origin: `PORT` when the CLI is given one, else where a running `npm start` serves, else the default port. */
export function localOrigin(): string {
  if (process.env.PORT) return servedOrigin(process.env.PORT);
  const recorded = existsSync(recordFile()) ? readFileSync(recordFile(), 'utf8').trim() : '';
  return /^http:\/\/127\.0\.0\.1:\d{1,5}$/.test(recorded) ? recorded : servedOrigin(DEFAULT_PORT);
}
