/** RFC 7644 protocol hygiene: content types, methods, sizes, paths, versions, and errors always in the SCIM shape. */
import { SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { oktaNewUser, tenantWithToken, type ScimClient } from './support/tenants.ts';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

async function expectScimError(res: Response, status: number, scimType?: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/scim\+json/);
  const body = (await res.json()) as Record<string, unknown>;
  expect(body).toMatchObject({ schemas: [ERROR], status: String(status), detail: expect.any(String) });
  if (scimType) expect(body.scimType).toBe(scimType);
  expect(JSON.stringify(body)).not.toMatch(/at .*\.ts:\d+|<html/i);
  return body;
}

describe('SCIM protocol hygiene', () => {
  let scim: ScimClient;
  let token: string;
  let slug: string;
  let user: { id: string; meta: { version: string } };

  beforeAll(async () => {
    const t = await tenantWithToken();
    ({ scim, token, slug } = t);
    user = (await (await scim.post('/Users', oktaNewUser('hygiene@acme.com'))).json()) as typeof user;
  });

  it('accepts application/json and application/scim+json with or without charset; other types are 415', async () => {
    for (const type of ['application/json', 'application/scim+json', 'application/json; charset=utf-8', 'APPLICATION/SCIM+JSON; charset=UTF-8']) {
      const res = await scim.request('POST', '/Users', oktaNewUser(`ct.${Math.random().toString(36).slice(2)}@acme.com`), { 'content-type': type });
      expect(res.status, type).toBe(201);
    }
    await expectScimError(await scim.request('POST', '/Users', 'userName=x', { 'content-type': 'application/x-www-form-urlencoded' }), 415);
    await expectScimError(await scim.request('POST', '/Users', '<user/>', { 'content-type': 'text/xml' }), 415);
  });

  it('answers 400 invalidSyntax for malformed JSON and 413 for bodies over 1 MiB before parsing', async () => {
    await expectScimError(await scim.request('POST', '/Users', '{"userName": '), 400, 'invalidSyntax');
    const huge = JSON.stringify({ ...oktaNewUser('big@acme.com'), title: 'x'.repeat(1024 * 1024) });
    await expectScimError(await scim.request('POST', '/Users', huge), 413);
  });

  it('reads a body of undeclared length (chunked) as it streams: parsed when small, 413 once past 1 MiB', async () => {
    const streamed = (text: string, pieces: number) => {
      const bytes = new TextEncoder().encode(text);
      const size = Math.ceil(bytes.length / pieces);
      let at = 0;
      return new ReadableStream<Uint8Array>({
        pull(controller) {
          if (at >= bytes.length) return controller.close();
          controller.enqueue(bytes.slice(at, (at += size)));
        },
      });
    };
    const post = (text: string, pieces: number) =>
      SELF.fetch(`${scim.base}/Users`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' }, body: streamed(text, pieces) });
    const small = await post(JSON.stringify(oktaNewUser('streamed.ünïcode@acme.com')), 7);
    expect(small.status).toBe(201);
    expect(((await small.json()) as { userName: string }).userName).toBe('streamed.ünïcode@acme.com');
    await expectScimError(await post(JSON.stringify({ ...oktaNewUser('streamed.big@acme.com'), title: 'x'.repeat(1024 * 1024) }), 40), 413);
    expect(((await (await scim.get(`/Users?filter=${encodeURIComponent('userName eq "streamed.big@acme.com"')}`)).json()) as { totalResults: number }).totalResults).toBe(0);
  });

  it('answers 405 with Allow for methods an endpoint does not serve', async () => {
    const res = await scim.request('DELETE', '/Users');
    const body = await expectScimError(res, 405);
    expect(res.headers.get('allow')).toBe('GET, POST');
    expect(body.detail).toMatch(/GET, POST/);
    expect((await scim.request('POST', `/Users/${user.id}`, {})).headers.get('allow')).toBe('GET, PUT, PATCH, DELETE');
    expect((await scim.request('PUT', '/ServiceProviderConfig', {})).status).toBe(405);
    const search = await scim.get('/Users/.search');
    expect(search.status).toBe(405);
    expect(search.headers.get('allow')).toBe('POST');
  });

  it('answers 501 for /Bulk and /Me, and 404 in the SCIM shape for unknown endpoints', async () => {
    await expectScimError(await scim.post('/Bulk', { schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'], Operations: [] }), 501);
    await expectScimError(await scim.get('/Me'), 501);
    await expectScimError(await scim.get('/Widgets'), 404);
  });

  it('matches endpoint names case-insensitively and tolerates trailing slashes and unknown query flags', async () => {
    const base = `https://edge.test/scim/v2/${slug}`;
    for (const url of [`${base}/users`, `${base}/Users/`, `${base}/USERS?aadOptscim062020`, `${base}/users/${user.id}/`, `https://edge.test/SCIM/V2/${slug}/serviceproviderconfig`]) {
      const res = await SELF.fetch(url, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status, url).toBe(200);
    }
  });

  it('serves ETags: If-None-Match gives 304, a stale If-Match gives 412 and changes nothing', async () => {
    const res = await scim.get(`/Users/${user.id}`);
    const tag = res.headers.get('etag')!;
    expect(tag).toBe(user.meta.version);
    expect((await scim.get(`/Users/${user.id}`, { 'if-none-match': tag })).status).toBe(304);
    expect((await scim.get(`/Users/${user.id}`, { 'if-none-match': 'W/"999"' })).status).toBe(200);
    const patch = { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: 'Boss' }] };
    await expectScimError(await scim.patch(`/Users/${user.id}`, patch, { 'if-match': 'W/"999"' }), 412);
    expect(((await (await scim.get(`/Users/${user.id}`)).json()) as { title?: string }).title).toBeUndefined();
    const ok = await scim.patch(`/Users/${user.id}`, patch, { 'if-match': tag });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('etag')).not.toBe(tag);
    await expectScimError(await scim.delete(`/Users/${user.id}`, { 'if-match': tag }), 412);
    await expectScimError(await scim.put(`/Users/${user.id}`, oktaNewUser('hygiene@acme.com'), { 'if-match': tag }), 412);
  });

  it('answers bad list parameters with 400 and caps count at maxResults', async () => {
    await expectScimError(await scim.get('/Users?count=ten'), 400, 'invalidValue');
    await expectScimError(await scim.get('/Users?sortOrder=sideways'), 400, 'invalidValue');
    await expectScimError(await scim.get('/Users?filter=userName%20eq'), 400, 'invalidFilter');
    await expectScimError(await scim.get(`/Users?filter=${encodeURIComponent('nosuchattr eq "x"')}`), 400, 'invalidFilter');
    await expectScimError(await scim.get(`/Users?filter=${encodeURIComponent('('.repeat(200) + 'userName eq "x"' + ')'.repeat(200))}`), 400, 'invalidFilter');
    const capped = (await (await scim.get('/Users?count=100000')).json()) as { itemsPerPage: number };
    expect(capped.itemsPerPage).toBeLessThanOrEqual(200);
    const negative = (await (await scim.get('/Users?startIndex=-5&count=-1')).json()) as { startIndex: number; itemsPerPage: number };
    expect(negative).toMatchObject({ startIndex: 1, itemsPerPage: 0 });
  });

  it('answers POST /.search like GET with a query, and sorts', async () => {
    await scim.post('/Users', oktaNewUser('aaa.first@acme.com'));
    await scim.post('/Users', oktaNewUser('zzz.last@acme.com'));
    const res = await scim.post('/Users/.search', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
      filter: 'userName sw "aaa"',
      attributes: ['userName'],
      count: 10,
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { totalResults: number; Resources: Record<string, unknown>[] };
    expect(body.totalResults).toBe(1);
    expect(Object.keys(body.Resources[0]!).sort()).toEqual(['id', 'schemas', 'userName']);
    const sorted = (await (await scim.get('/Users?sortBy=userName&sortOrder=descending&count=200')).json()) as { Resources: { userName: string }[] };
    const names = sorted.Resources.map((r) => r.userName.toLowerCase());
    expect(names).toEqual([...names].sort().reverse());
  });

  it('never returns password, and honours attributes/excludedAttributes on GET', async () => {
    const only = (await (await scim.get(`/Users/${user.id}?attributes=userName,name.givenName`)).json()) as Record<string, unknown>;
    expect(only).toEqual({ schemas: expect.any(Array), id: user.id, userName: 'hygiene@acme.com', name: { givenName: 'hygiene' } });
    const without = (await (await scim.get(`/Users/${user.id}?excludedAttributes=emails,meta`)).json()) as Record<string, unknown>;
    expect(without).not.toHaveProperty('emails');
    expect(without).toHaveProperty('id');
    expect(JSON.stringify(without)).not.toContain('password');
  });
});
