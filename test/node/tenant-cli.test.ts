import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliRunner, freshState, startServer, tenantCli } from './support/cli.ts';

const state = freshState();
afterAll(() => state.remove());

const { cli, json } = cliRunner(state.dir);

describe('tenant CLI on local state', () => {
  it('creates, lists and shows a tenant, with one JSON object per --json command', async () => {
    const created = await json('create', 'acme', '--name', 'Acme Inc');
    expect(created).toMatchObject({ slug: 'acme', name: 'Acme Inc', scimEnabled: false, roles: ['owner', 'admin', 'editor', 'viewer'], defaultRole: 'viewer' });
    expect(created.scimBaseUrl).toBe('http://127.0.0.1:8787/scim/v2/acme');
    const [listed, text] = await Promise.all([json('list'), cli('show', 'acme')]);
    expect((listed.tenants as { slug: string }[]).map((t) => t.slug)).toContain('acme');
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/slug:\s+acme/);
  });

  it('lets several runs share the state at once: each waits out the others\' locks, quietly', async () => {
    const runs = await Promise.all([
      ...['par-a', 'par-b', 'par-c'].map((slug) => cli('create', slug, '--json')),
      cli('list', '--json'),
      cli('show', 'acme', '--json'),
    ]);
    for (const run of runs) {
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
    }
    const listed = await json('list');
    expect((listed.tenants as { slug: string }[]).map((t) => t.slug)).toEqual(expect.arrayContaining(['par-a', 'par-b', 'par-c']));
  });

  it('names the missing step when the state has no tables yet', async () => {
    const empty = freshState({ migrated: false });
    try {
      const run = await tenantCli(empty.dir, ['list']);
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(/^error: the local database at .* has no tables yet: run `npm start` once/);
    } finally {
      empty.remove();
    }
  });

  it('refuses bad slugs, taken slugs and unknown tenants on stderr with exit code 1', async () => {
    await json('create', 'taken');
    const [underscore, upper, taken, unknown, noConfirm, badDuration] = await Promise.all([
      cli('create', 'bad_slug'),
      cli('create', 'Acme'),
      cli('create', 'taken', '--json'),
      cli('token', 'create', 'nobody'),
      cli('delete', 'taken'),
      cli('token', 'create', 'taken', '--expires-in', 'soon'),
    ]);
    expect(underscore.status).toBe(1);
    expect(underscore.stderr).toMatch(/underscore/);
    expect(upper.status).toBe(1);
    expect(upper.stderr).toMatch(/not a valid tenant slug/);
    expect(taken.status).toBe(1);
    expect(JSON.parse(taken.stderr)).toEqual({ error: 'tenant "taken" already exists' });
    expect(taken.stdout).toBe('');
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/unknown tenant "nobody"/);
    expect(noConfirm.status).toBe(1);
    expect(noConfirm.stderr).toMatch(/--yes/);
    expect(badDuration.status).toBe(1);
    expect(badDuration.stderr).toMatch(/duration/);
  });

  it('issues, lists and revokes tokens; the secret is printed once and never listed', async () => {
    await json('create', 'tokens-co');
    const issued = await json('token', 'create', 'tokens-co', '--label', 'okta', '--expires-in', '365d');
    expect(issued.token).toMatch(/^eid_scim_[A-Za-z0-9_-]{43}$/);
    expect(issued.scimBaseUrl).toBe('http://127.0.0.1:8787/scim/v2/tokens-co');
    expect(Date.parse(issued.expiresAt as string) - Date.now()).toBeGreaterThan(364 * 86400_000);
    const listed = await cli('token', 'list', 'tokens-co', '--json');
    expect(listed.stdout).not.toContain(issued.token as string);
    expect(JSON.parse(listed.stdout).tokens).toEqual([expect.objectContaining({ id: issued.id, label: 'okta', revokedAt: null })]);
    const revoked = await json('token', 'revoke', 'tokens-co', issued.id as string);
    expect(revoked.revokedAt).toEqual(expect.any(String));
    const again = await cli('token', 'revoke', 'tokens-co', issued.id as string);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/already revoked/);
  });

  it('deletes a tenant with --yes', async () => {
    await json('create', 'doomed');
    expect(await json('delete', 'doomed', '--yes')).toMatchObject({ deleted: 'doomed' });
    expect((await cli('show', 'doomed')).status).toBe(1);
  });
});

describe('tenant CLI beside a running `npm start`', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  beforeAll(async () => {
    server = await startServer(state.dir, 18787 + Math.floor(Math.random() * 1000));
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('changes made by the CLI are seen by the server at once: enable, token, revoke, disable', async () => {
    await json('create', 'live');
    const { token, id, scimBaseUrl } = (await json('token', 'create', 'live')) as { token: string; id: string; scimBaseUrl: string };
    // The URLs the CLI prints name the port `npm start` serves on, not the default one.
    expect(scimBaseUrl).toBe(`${server.url}/scim/v2/live`);
    const get = () => fetch(`${server.url}/scim/v2/live/Users?startIndex=1&count=2`, { headers: { authorization: `Bearer ${token}` } });
    expect((await get()).status).toBe(403);
    await json('scim', 'enable', 'live');
    const ok = await get();
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ totalResults: 0, Resources: [] });
    await json('token', 'revoke', 'live', id);
    expect((await get()).status).toBe(401);
    const second = (await json('token', 'create', 'live', '--label', 'rotation')) as { token: string };
    const rotated = await fetch(`${server.url}/scim/v2/live/Users`, { headers: { authorization: second.token } });
    expect(rotated.status).toBe(200);
    await json('scim', 'disable', 'live');
    const disabled = await fetch(`${server.url}/scim/v2/live/Users`, { headers: { authorization: second.token } });
    expect(disabled.status).toBe(403);
    expect(disabled.headers.get('content-type')).toMatch(/application\/scim\+json/);
  });

  it('issues management API keys the server accepts at once, lists them without the key, and revokes them for the next request', async () => {
    await json('create', 'api-co');
    const bound = (await json('api-key', 'create', '--label', 'app', '--tenant', 'api-co')) as { id: string; key: string; tenant: string; apiBaseUrl: string };
    expect(bound.key).toMatch(/^eid_api_[A-Za-z0-9_-]{43}$/);
    expect(bound).toMatchObject({ label: 'app', tenant: 'api-co', apiBaseUrl: `${server.url}/api/v1` });
    const get = (path: string) => fetch(`${server.url}/api/v1${path}`, { headers: { authorization: `Bearer ${bound.key}` } });
    expect(await (await get('/tenants/api-co')).json()).toMatchObject({ slug: 'api-co' });
    const listed = (await json('api-key', 'list')) as { keys: { id: string; tenant: string | null }[] };
    expect(listed.keys).toContainEqual(expect.objectContaining({ id: bound.id, tenant: 'api-co' }));
    expect(JSON.stringify(listed)).not.toContain(bound.key);
    expect(await json('api-key', 'revoke', bound.id)).toMatchObject({ id: bound.id, revokedAt: expect.any(String) });
    const revoked = await get('/tenants/api-co');
    expect(revoked.status).toBe(401);
    expect(revoked.headers.get('content-type')).toBe('application/problem+json');
    const again = await cli('api-key', 'revoke', bound.id, '--json');
    expect(again.status).toBe(1);
    expect(JSON.parse(again.stderr).error).toMatch(/already revoked/);
    const unknownTenant = await cli('api-key', 'create', '--tenant', 'nobody');
    expect(unknownTenant.status).toBe(1);
    expect(unknownTenant.stderr).toMatch(/unknown tenant "nobody"/);
  });

  it('manages webhooks: add (secret shown once), list with health, rotate, replay, test, remove', async () => {
    await json('create', 'hook-co');
    const added = (await json('webhook', 'add', 'hook-co', 'http://127.0.0.1:9/hooks', '--events', 'user.*,group.deleted')) as { id: string; secret: string; events: string; fromSeq: number };
    expect(added).toMatchObject({ events: 'user.*,group.deleted', fromSeq: 1 });
    expect(added.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const listed = (await json('webhook', 'list', 'hook-co')) as { webhooks: { id: string; enabled: boolean; deadLetters: number }[] };
    expect(listed.webhooks).toEqual([expect.objectContaining({ id: added.id, enabled: true, deliveredSeq: 0, deadLetters: 0 })]);
    expect(JSON.stringify(listed)).not.toContain(added.secret.slice(6));
    // Independent runs at once (each waits out the others' locks on the local state).
    const [rotatedRun, replayed, tested, noFrom] = await Promise.all([
      cli('webhook', 'rotate-secret', 'hook-co', added.id, '--grace', '1h', '--json'),
      cli('webhook', 'replay', 'hook-co', added.id, '--from', '1', '--json'),
      cli('webhook', 'test', 'hook-co', added.id, '--json'),
      cli('webhook', 'replay', 'hook-co', added.id),
    ]);
    const rotated = JSON.parse(rotatedRun.stdout) as { secret: string; previousSecretUntil: string };
    expect(rotated.secret).not.toBe(added.secret);
    expect(Date.parse(rotated.previousSecretUntil) - Date.now()).toBeGreaterThan(3500_000);
    expect(JSON.parse(replayed.stdout)).toEqual({ id: added.id, fromSeq: 1 });
    expect(JSON.parse(tested.stdout)).toMatchObject({ id: added.id, pingRequestedAt: expect.any(String) });
    expect(noFrom.stderr).toMatch(/--from <seq> is required/);
    expect(noFrom.status).toBe(1);
    expect(await json('webhook', 'remove', 'hook-co', added.id)).toEqual({ id: added.id, removed: true });
    const gone = await cli('webhook', 'remove', 'hook-co', added.id);
    expect(gone.stderr).toMatch(/tenant "hook-co" has no webhook/);
  });
});
