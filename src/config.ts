/**
 * The Worker's configuration, parsed and checked once per isolate from its variables, with a
 * precise error when one is wrong. Flows take this, not the raw variables.
 */
import { checkSecretsKey } from './common/secret-box.ts';
import type { Env } from './env.ts';

export interface Config {
  /** SECRETS_KEY, checked to be base64 of 32 bytes. */
  secretsKey: string;
  /** `LOCAL_DEV=true` (`npm start` and tests only): http:// loopback issuers allowed. */
  localDev: boolean;
}

const parsed = new WeakMap<object, Config>();

/** `env`'s configuration; the first call of an isolate checks it, later ones reuse it. */
export function configOf(env: Pick<Env, 'SECRETS_KEY' | 'LOCAL_DEV'>): Config {
  let config = parsed.get(env);
  if (!config) {
    checkSecretsKey(env.SECRETS_KEY);
    if (env.LOCAL_DEV !== undefined && env.LOCAL_DEV !== 'true' && env.LOCAL_DEV !== 'false') throw new Error(`LOCAL_DEV must be "true" or "false", got ${JSON.stringify(env.LOCAL_DEV)}`);
    config = { secretsKey: env.SECRETS_KEY, localDev: env.LOCAL_DEV === 'true' };
    parsed.set(env, config);
  }
  return config;
}
