/** Discovery (RFC 7644 §4): generated from the same schema definitions that drive validation. */
import { beforeAll, describe, expect, it } from 'vitest';
import { tenantWithToken, type ScimClient } from './support/tenants.ts';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';

type Attribute = { name: string; type: string; mutability: string; returned: string; caseExact: boolean; uniqueness: string; subAttributes?: Attribute[] };

describe('SCIM discovery', () => {
  let scim: ScimClient;
  beforeAll(async () => {
    ({ scim } = await tenantWithToken());
  });

  it('advertises in /ServiceProviderConfig what the server does', async () => {
    const spc = (await (await scim.get('/ServiceProviderConfig')).json()) as Record<string, { supported: boolean; maxResults?: number }>;
    expect(spc).toMatchObject({
      patch: { supported: true },
      bulk: { supported: false },
      filter: { supported: true, maxResults: 200 },
      changePassword: { supported: false },
      sort: { supported: true },
      etag: { supported: true },
    });
    // maxResults is what a list really caps at.
    const page = (await (await scim.get('/Users?count=5000')).json()) as { itemsPerPage: number };
    expect(page.itemsPerPage).toBeLessThanOrEqual(spc.filter!.maxResults!);
    // bulk: false is what /Bulk does.
    expect((await scim.post('/Bulk', {})).status).toBe(501);
  });

  it('lists the User and Group resource types, and serves each by name', async () => {
    const list = (await (await scim.get('/ResourceTypes')).json()) as { totalResults: number; Resources: { id: string; endpoint: string; schema: string; schemaExtensions: unknown[] }[] };
    expect(list.totalResults).toBe(2);
    expect(list.Resources.map((r) => [r.id, r.endpoint, r.schema])).toEqual([
      ['User', '/Users', USER],
      ['Group', '/Groups', GROUP],
    ]);
    expect(list.Resources[0]!.schemaExtensions).toEqual([{ schema: ENTERPRISE, required: false }]);
    expect(await (await scim.get('/ResourceTypes/User')).json()).toMatchObject({ id: 'User', meta: { resourceType: 'ResourceType' } });
    expect((await scim.get('/ResourceTypes/Widget')).status).toBe(404);
  });

  it('serves the schemas with the attribute characteristics the server enforces', async () => {
    const list = (await (await scim.get('/Schemas')).json()) as { Resources: { id: string; attributes: Attribute[] }[] };
    expect(list.Resources.map((s) => s.id)).toEqual([USER, ENTERPRISE, GROUP]);
    const user = (await (await scim.get(`/Schemas/${USER}`)).json()) as { attributes: Attribute[] };
    const byName = new Map(user.attributes.map((a) => [a.name, a]));
    expect(byName.get('userName')).toMatchObject({ required: true, caseExact: false, uniqueness: 'server', mutability: 'readWrite' });
    expect(byName.get('password')).toMatchObject({ mutability: 'writeOnly', returned: 'never' });
    expect(byName.get('groups')).toMatchObject({ mutability: 'readOnly' });
    expect(byName.get('emails')?.subAttributes?.map((s) => s.name)).toEqual(expect.arrayContaining(['value', 'type', 'primary', 'display']));
    const group = (await (await scim.get(`/Schemas/${GROUP}`)).json()) as { attributes: Attribute[] };
    expect(group.attributes.find((a) => a.name === 'displayName')).toMatchObject({ uniqueness: 'server' });
    expect((await scim.get('/Schemas/urn:nope')).status).toBe(404);
  });
});
