/**
 * One audit writer, always in the batch of the change it records: a change that happens leaves
 * exactly its row, and a change refused (or found already made) leaves none.
 */
import { asc, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { auditLog } from '../src/db/schema.ts';
import { setSessionTimeouts } from '../src/tenants/session-settings.ts';
import { createScimToken, revokeScimToken, setQuotas, setScimEnabled } from '../src/tenants/tenant-store.ts';
import { setConnection } from '../src/oidc/connection-store.ts';
import { createSetupLink } from '../src/tenants/setup-links.ts';
import { env } from 'cloudflare:test';
import { db, tenantRow, tenantWithToken, announce } from './support/tenants.ts';

const actionsOf = async (tenantId: string) =>
  (await db().select({ actor: auditLog.actor, action: auditLog.action, detail: auditLog.detail }).from(auditLog).where(eq(auditLog.tenantId, tenantId)).orderBy(asc(auditLog.at), asc(auditLog.id)).all()).filter(
    (row) => !['tenant.create', 'scim.enable', 'token.create', 'user.create'].includes(row.action),
  );

describe('audit rows written with their change', () => {
  it('a token revoked twice: one token.revoke row, from the batch that revoked it', async () => {
    const t = await tenantWithToken();
    await revokeScimToken(db(), announce, await tenantRow(t.slug), t.tokenId);
    await expect(revokeScimToken(db(), announce, await tenantRow(t.slug), t.tokenId)).rejects.toThrow(/already revoked/);
    await expect(revokeScimToken(db(), announce, await tenantRow(t.slug), 'tok_nosuchtoken')).rejects.toThrow(/has no token/);
    expect(await actionsOf(t.tenant.id)).toEqual([{ actor: 'cli', action: 'token.revoke', detail: null }]);
  });

  it('a quota below what the tenant holds changes nothing and records nothing; one that fits records itself', async () => {
    const t = await tenantWithToken();
    expect((await t.scim.post('/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'one@acme.test' })).status).toBe(201);
    await expect(setQuotas(db(), await tenantRow(t.slug), { maxUsers: 0 })).rejects.toThrow(/already holds 1 users/);
    const stale = await tenantRow(t.slug);
    await setQuotas(db(), stale, { maxUsers: 5 });
    expect(await actionsOf(t.tenant.id)).toEqual([{ actor: 'cli', action: 'tenant.quota', detail: `users 5, groups ${stale.maxGroups}` }]);
  });

  it('session timeouts record their change', async () => {
    const t = await tenantWithToken();
    await setSessionTimeouts(db(), await tenantRow(t.slug), { idleSeconds: 3600 });
    expect(await actionsOf(t.tenant.id)).toEqual([{ actor: 'cli', action: 'sessions.update', detail: `idle 3600 s, absolute ${t.tenant.sessionAbsoluteSeconds} s` }]);
  });

  it('turning SCIM on records JIT going off only where JIT was on', async () => {
    const t = await tenantWithToken({ scimEnabled: false });
    await setConnection(db(), env.SECRETS_KEY, await tenantRow(t.slug), { issuer: 'https://acme.okta.com', clientId: 'client', clientSecret: 'secret', jit: true }, false);
    await setScimEnabled(db(), announce, await tenantRow(t.slug), true);
    await setScimEnabled(db(), announce, await tenantRow(t.slug), false);
    await setScimEnabled(db(), announce, await tenantRow(t.slug), true);
    const actions = (await actionsOf(t.tenant.id)).map((r) => `${r.action}${r.detail?.startsWith('jit off') ? ' (jit off)' : ''}`);
    expect(actions).toEqual(['oidc.create', 'oidc.update (jit off)', 'scim.disable']);
  });

  it('a token from a setup link and SCIM on commit together, or not at all', async () => {
    const t = await tenantWithToken({ scimEnabled: false });
    const { info } = await createSetupLink(db(), await tenantRow(t.slug));
    const issuer = { actor: `setup:${info.id}`, setupLink: { id: info.id, maxLive: 1 }, enableScim: true } as const;
    const issued = await createScimToken(db(), await tenantRow(t.slug), 'setup', 60, issuer);
    expect(issued.tenant.scimEnabled).toBe(true);
    expect((await tenantRow(t.slug)).scimEnabled).toBe(true);
    await setScimEnabled(db(), announce, await tenantRow(t.slug), false);
    // Past the link's cap the token is refused, and SCIM, asked in the same batch, stays off.
    await expect(createScimToken(db(), await tenantRow(t.slug), 'setup', 60, issuer)).rejects.toThrow(/issued 1 live SCIM tokens already/);
    expect((await tenantRow(t.slug)).scimEnabled).toBe(false);
    const rows = await db().select({ actor: auditLog.actor, action: auditLog.action }).from(auditLog).where(eq(auditLog.tenantId, t.tenant.id)).orderBy(asc(auditLog.at), asc(auditLog.id)).all();
    expect(rows.filter((r) => r.actor === issuer.actor).map((r) => r.action)).toEqual(['token.create', 'scim.enable']);
  });
});
