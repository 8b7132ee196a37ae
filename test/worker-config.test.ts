/** The Worker's configuration: checked once per isolate, with an error that says what is wrong. */
import { describe, expect, it } from 'vitest';
import { configOf } from '../src/config.ts';

const KEY = btoa(String.fromCharCode(...new Uint8Array(32).fill(7)));

describe('configOf', () => {
  it('parses SECRETS_KEY and LOCAL_DEV, and hands back the same config for the same env', () => {
    const env = { SECRETS_KEY: KEY, LOCAL_DEV: 'true' };
    const config = configOf(env);
    expect(config).toEqual({ secretsKey: KEY, localDev: true });
    expect(configOf(env)).toBe(config);
    expect(configOf({ SECRETS_KEY: KEY })).toEqual({ secretsKey: KEY, localDev: false });
    expect(configOf({ SECRETS_KEY: KEY, LOCAL_DEV: 'false' }).localDev).toBe(false);
  });

  it.each([
    [{ SECRETS_KEY: undefined as unknown as string }, /SECRETS_KEY is not set: `wrangler secret put SECRETS_KEY`/],
    [{ SECRETS_KEY: '' }, /SECRETS_KEY is not set/],
    [{ SECRETS_KEY: 'not base64 at all!' }, /SECRETS_KEY is not base64/],
    [{ SECRETS_KEY: btoa('sixteen bytes!!!') }, /SECRETS_KEY must be base64 of 32 bytes, got 16/],
    [{ SECRETS_KEY: KEY, LOCAL_DEV: 'yes' }, /LOCAL_DEV must be "true" or "false", got "yes"/],
  ])('refuses %j precisely', (env, message) => {
    expect(() => configOf(env)).toThrow(message);
  });
});
