/** `signing-key rotate|list`: the keys that sign session tokens (src/sessions/signing-keys.ts). */
import { MAX_SESSION_TOKEN_SECONDS } from '../../src/config.ts';
import { listSigningKeys, rotateSigningKey } from '../../src/sessions/signing-keys.ts';
import { table, type Command } from '../lib/command.ts';

export const signingKeyCommands: Command[] = [
  {
    name: 'signing-key rotate',
    usage: 'signing-key rotate',
    summary: `a new key signs session tokens from now on; the old one stays published ${MAX_SESSION_TOKEN_SECONDS / 60} minutes, until its tokens have expired`,
    async run(ctx) {
      const { current, retired } = await rotateSigningKey(ctx.db, await ctx.secretsKey());
      const json = { kid: current.kid, createdAt: current.createdAt, retired };
      return { json, text: `signing with ${current.kid}${retired.length ? `; ${retired.join(', ')} stays published until its tokens expire` : ''}` };
    },
  },
  {
    name: 'signing-key list',
    usage: 'signing-key list',
    summary: 'list session-token signing keys (never their private halves)',
    async run(ctx) {
      const keys = (await listSigningKeys(ctx.db)).map(({ publicJwk: _jwk, ...key }) => ({ ...key, current: key.retiredAt === null }));
      return { json: { keys }, text: table(keys, ['kid', 'alg', 'createdAt', 'retiredAt', 'current']) };
    },
  },
];
