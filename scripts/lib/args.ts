import type { ParsedArgs } from './command.ts';

/**
 * Splits argv into positionals and flags: `--name value`, `--name=value`, bare `--yes`. A flag is
 * bare when the next word starts with `--` or is missing; `booleanFlags` never take a value.
 */
export function parseArgs(argv: string[], booleanFlags: ReadonlySet<string>): ParsedArgs {
  const positionals: string[] = [];
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    if (word === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!word.startsWith('--')) {
      positionals.push(word);
      continue;
    }
    const eq = word.indexOf('=');
    if (eq > 0) {
      flags[word.slice(2, eq)] = word.slice(eq + 1);
      continue;
    }
    const name = word.slice(2);
    const next = argv[i + 1];
    if (booleanFlags.has(name) || next === undefined || next.startsWith('--')) flags[name] = true;
    else {
      flags[name] = next;
      i++;
    }
  }
  return { positionals, flags };
}
