/** `oidc set|show|test` and `domains add|verify|list|remove` end to end on local state, against a real provider and a DNS-over-HTTPS stub. */
import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeServer, listenOnLoopback } from '../support/node-http.ts';
import { OKTA_CLIENTS } from '../support/okta-fixtures.ts';
import { startOktaLikeOp, type RunningOp } from '../support/okta-like-op.ts';
import { freshState, tenantCli } from './support/cli.ts';

const state = freshState();
let op: RunningOp;
const txtRecords = new Map<string, string[]>();
const doh = createServer((req, res) => {
  const name = new URL(req.url ?? '/', 'http://x').searchParams.get('name') ?? '';
  res.setHeader('content-type', 'application/dns-json');
  res.end(JSON.stringify({ Status: 0, Answer: (txtRecords.get(name) ?? []).map((value) => ({ name, type: 16, TTL: 60, data: `"${value}"` })) }));
});
let dohUrl = '';

beforeAll(async () => {
  op = await startOktaLikeOp({ appOrigins: ['http://127.0.0.1:8787'] });
  dohUrl = `http://127.0.0.1:${await listenOnLoopback(doh)}/dns-query`;
});
afterAll(async () => {
  await op?.close();
  await closeServer(doh);
  state.remove();
});

const cli = (...args: string[]) => tenantCli(state.dir, args, { EDGE_IDENTITY_DOH_URL: dohUrl });
async function json(...args: string[]) {
  const run = await cli(...args, '--json');
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as Record<string, any>;
}

describe('oidc commands', () => {
  it('sets a connection, never prints the secret, and prints the values for the Okta app', async () => {
    expect((await cli('create', 'okta-co')).status).toBe(0);
    const secret = OKTA_CLIENTS.basic.clientSecret;
    const set = await cli('oidc', 'set', 'okta-co', '--issuer', op.issuer, '--client-id', OKTA_CLIENTS.basic.clientId, '--client-secret', secret, '--groups-filter', 'Acme.*', '--jit', 'on', '--hmac-id-tokens', 'on', '--require-sso', 'on');
    expect(set.status, set.stderr).toBe(0);
    expect(set.stdout).not.toContain(secret);
    expect(set.stdout).toMatch(/signInRedirectUri:\s+http:\/\/127\.0\.0\.1:8787\/auth\/callback/);
    expect(set.stdout).toMatch(/initiateLoginUri:\s+http:\/\/127\.0\.0\.1:8787\/auth\/okta-co\/initiate/);
    expect(set.stdout).toMatch(/frontChannelLogoutUri:\s+http:\/\/127\.0\.0\.1:8787\/auth\/okta-co\/frontchannel-logout/);
    expect(set.stdout).toMatch(/Either Okta or App/);
    const shown = await json('oidc', 'show', 'okta-co');
    expect(JSON.stringify(shown)).not.toContain(secret);
    expect(shown.connection).toMatchObject({ issuer: op.issuer, tokenAuthMethod: 'client_secret_basic', hasClientSecret: true, groupsFilter: 'Acme.*', jit: true, hmacIdTokens: true, requireSso: true });
    expect(shown.okta).toMatchObject({ scimBaseUrl: 'http://127.0.0.1:8787/scim/v2/okta-co', signOutRedirectUri: 'http://127.0.0.1:8787/auth/logged-out' });
  });

  it('tests the provider: discovery, keys, RFC 9207', async () => {
    const report = await json('oidc', 'test', 'okta-co');
    expect(report).toMatchObject({ ok: true, issuer: op.issuer, issParameter: true, problems: [] });
    expect(report.signingKeys).toEqual([{ kid: 'okta-key-1', kty: 'RSA', alg: 'RS256' }]);
    expect(report.endpoints.endSession).toBe(`${op.issuer}/session/end`);
  });

  it('refuses a non-https issuer on stderr with exit code 1', async () => {
    const http = await cli('oidc', 'set', 'okta-co', '--issuer', 'http://idp.example', '--client-id', 'x');
    expect(http.status).toBe(1);
    expect(http.stderr).toMatch(/must use https/);
  });
});

describe('domains commands', () => {
  it('claims a domain, verifies it by its DNS TXT record (over DNS-over-HTTPS) and removes it', async () => {
    const added = await json('domains', 'add', 'okta-co', 'Okta-Co.Example');
    expect(added).toMatchObject({ domain: 'okta-co.example', verified: false, txtName: '_edge-identity.okta-co.example' });
    expect(added.txtValue).toMatch(/^edge-identity-verification=[A-Za-z0-9_-]{27}$/);

    txtRecords.set(added.txtName, ['v=spf1 -all']);
    const early = await cli('domains', 'verify', 'okta-co', 'okta-co.example');
    expect(early.status).toBe(1);
    expect(early.stderr).toContain(added.txtValue);

    txtRecords.set(added.txtName, ['v=spf1 -all', added.txtValue]);
    expect(await json('domains', 'verify', 'okta-co', 'okta-co.example')).toMatchObject({ domain: 'okta-co.example', verified: true });
    expect(await json('domains', 'remove', 'okta-co', 'okta-co.example')).toEqual({ removed: 'okta-co.example' });
  });
});
