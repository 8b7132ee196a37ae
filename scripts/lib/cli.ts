/**
 * The tenant CLI's work, started by scripts/tenant.ts: `npm run tenant -- <command> [--json] [--remote]`.
 * Works on the local state that `npm start` serves (the running server sees changes at once), or on
 * the deployed D1 with --remote.
 */
import { StoreError } from '../../src/http/errors.ts';
import { parseArgs } from './args.ts';
import { CliError, type CliContext, type Command } from './command.ts';
import { openLocalDatabase, openRemoteDatabase } from './database.ts';
import { ensureDevVars } from './dev-vars.ts';
import { localOrigin } from './local-origin.ts';
import { announceAccessChanged } from './access-notice.ts';
import { commands } from '../commands/index.ts';

const BOOLEAN_FLAGS = new Set(['json', 'remote', 'yes', 'help', 'verified', 'no-client-secret']);

function usage(): string {
  const width = Math.max(...commands.map((c) => c.usage.length));
  return [
    'usage: npm run tenant -- <command> [--json] [--remote]',
    '',
    ...commands.map((c) => `  ${c.usage.padEnd(width)}  ${c.summary}`),
    '',
    '  --json    print one JSON object on stdout',
    '  --remote  act on the deployed D1 (needs wrangler login; EDGE_IDENTITY_BASE_URL for printed URLs)',
  ].join('\n');
}

/** The longest command name that prefixes the words, so `token create acme` finds `token create`. */
function findCommand(words: string[]): { command: Command; rest: string[] } | undefined {
  for (let n = Math.min(words.length, 3); n > 0; n--) {
    const command = commands.find((c) => c.name === words.slice(0, n).join(' '));
    if (command) return { command, rest: words.slice(n) };
  }
  return undefined;
}

/** The operator-facing error in `err` or its causes (drizzle wraps what the database adapter throws). */
function operatorMistake(err: unknown): Error | undefined {
  for (let e = err; e instanceof Error; e = e.cause) if (e instanceof CliError || e instanceof StoreError) return e;
  return undefined;
}

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv, BOOLEAN_FLAGS);
  const json = args.flags.json === true;
  if (args.positionals.length === 0 || args.flags.help === true) {
    console.log(usage());
    return args.positionals.length === 0 && args.flags.help !== true ? 1 : 0;
  }
  const found = findCommand(args.positionals);
  if (!found) {
    console.error(`unknown command "${args.positionals.join(' ')}"\n\n${usage()}`);
    return 1;
  }
  const remote = args.flags.remote === true;
  const open = remote ? openRemoteDatabase() : await openLocalDatabase();
  const publicBaseUrl = (remote ? process.env.EDGE_IDENTITY_BASE_URL ?? 'https://<your-worker-host>' : localOrigin()).replace(/\/+$/, '');
  const ctx: CliContext = {
    db: open.db,
    remote,
    publicBaseUrl,
    announceAccessChanged: (tenantId) => announceAccessChanged(remote, publicBaseUrl, tenantId),
    async secretsKey() {
      const key = remote ? process.env.EDGE_IDENTITY_SECRETS_KEY : ensureDevVars().SECRETS_KEY;
      if (!key) throw new CliError('set EDGE_IDENTITY_SECRETS_KEY to the SECRETS_KEY you gave `wrangler secret put SECRETS_KEY`');
      return key;
    },
  };
  try {
    const result = await found.command.run(ctx, { ...args, positionals: found.rest });
    console.log(json ? JSON.stringify(result.json) : result.text);
    return 0;
  } catch (err) {
    const mistake = operatorMistake(err);
    if (!mistake) throw err;
    const message = mistake instanceof StoreError && mistake.cliHint ? `${mistake.message} (see: npm run tenant -- ${mistake.cliHint})` : mistake.message;
    console.error(json ? JSON.stringify({ error: message }) : `error: ${message}`);
    return 1;
  } finally {
    await open.close();
  }
}

process.exitCode = await main(process.argv.slice(2));
