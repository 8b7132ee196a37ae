/** KV sessions: idle and absolute timeouts, checked on every read whatever KV's own expiry does. */
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { setSessionTimeouts } from '../src/tenants/session-settings.ts';
import { createSession, deleteSession, sessionExpiresAt, useSession } from '../src/sessions/session-store.ts';
import { app, fakeScenario, fakeTenant } from './support/sign-in.ts';
import { db, tenantRow } from './support/tenants.ts';

const fields = { tenantId: 't', userId: 'u', sub: '00u1', issuer: 'https://idp.example', claimGroups: [], idTokenSealed: undefined };
const timeouts = { idleSeconds: 3600, absoluteSeconds: 4 * 3600 };
const t0 = Date.now();

/** The sessions namespace as a location whose reads lag: `get` answers what it read before `freeze()`, writes go through. */
function laggingReads(kv: KVNamespace) {
  const seen = new Map<string, string | null>();
  let frozen = false;
  const lagging = {
    async get(key: string, type?: 'json') {
      if (!frozen) seen.set(key, await kv.get(key));
      const value = seen.get(key) ?? null;
      return type === 'json' && value !== null ? JSON.parse(value) : value;
    },
    put: (key: string, value: string, options?: KVNamespacePutOptions) => kv.put(key, value, options),
    delete: (key: string) => kv.delete(key),
  };
  return { kv: lagging as unknown as KVNamespace, freeze: () => void (frozen = true) };
}

describe('a session deleted while another location still reads it', () => {
  it('is not brought back by that location noting a use', async () => {
    const { sessionId } = await createSession(env.SESSIONS, fields, timeouts, t0);
    const elsewhere = laggingReads(env.SESSIONS);
    expect(await useSession(elsewhere.kv, sessionId, t0)).toBeDefined();
    elsewhere.freeze();
    await deleteSession(env.SESSIONS, sessionId);
    // Its stale read still shows the session, and the use is due to be noted (past the touch interval)…
    expect(await useSession(elsewhere.kv, sessionId, t0 + 10 * 60_000)).toBeDefined();
    // …but that wrote no record: everywhere that reads KV as it is, the session stays ended.
    expect(await useSession(env.SESSIONS, sessionId, t0 + 10 * 60_000)).toBeUndefined();
  });
});

describe('session timeouts', () => {
  it('ends a session left idle longer than the idle timeout', async () => {
    const { sessionId } = await createSession(env.SESSIONS, fields, timeouts, t0);
    expect(await useSession(env.SESSIONS, sessionId, t0 + 3599_000)).toBeDefined();
    expect(await useSession(env.SESSIONS, sessionId, t0 + 3599_000 + 3600_000)).toBeUndefined();
    // An expired session is deleted, not merely refused.
    expect(await useSession(env.SESSIONS, sessionId, t0)).toBeUndefined();
  });

  it('slides the idle window with use, but never past the absolute timeout', async () => {
    const { sessionId } = await createSession(env.SESSIONS, fields, timeouts, t0);
    let now = t0;
    for (let step = 0; step < 4; step++) {
      now += 50 * 60_000;
      const record = await useSession(env.SESSIONS, sessionId, now);
      expect(record?.lastSeenAt).toBe(now);
    }
    const record = (await useSession(env.SESSIONS, sessionId, now))!;
    expect(sessionExpiresAt(record)).toBe(t0 + 4 * 3600_000);
    expect(await useSession(env.SESSIONS, sessionId, t0 + 4 * 3600_000)).toBeUndefined();
  });

  it('writes the idle extension back at most every few minutes (KV allows ~1 write/s per key)', async () => {
    const { sessionId } = await createSession(env.SESSIONS, fields, timeouts, t0);
    expect((await useSession(env.SESSIONS, sessionId, t0 + 60_000))!.lastSeenAt).toBe(t0);
    expect((await useSession(env.SESSIONS, sessionId, t0 + 6 * 60_000))!.lastSeenAt).toBe(t0 + 6 * 60_000);
  });

  it('is gone after logout', async () => {
    const { sessionId } = await createSession(env.SESSIONS, fields, timeouts, t0);
    await deleteSession(env.SESSIONS, sessionId);
    expect(await useSession(env.SESSIONS, sessionId, t0)).toBeUndefined();
  });
});

describe("a tenant's timeouts", () => {
  it('apply to new sign-ins: cookie lifetime and expiresAt', async () => {
    const t = await fakeTenant(await fakeScenario());
    await setSessionTimeouts(db(), await tenantRow(t.slug), { idleSeconds: 3600, absoluteSeconds: 7200 });
    const { response } = await t.signIn();
    expect(response.headers.getSetCookie().find((c) => c.startsWith('__Host-eid_session='))).toMatch(/Max-Age=7200;/);
    const { expiresAt } = (await (await app(t.jar, '/auth/session')).json()) as { expiresAt: string };
    expect(Math.abs(Date.parse(expiresAt) - (Date.now() + 3600_000))).toBeLessThan(60_000);
  });

  it('are refused when idle exceeds absolute or either is under 5 minutes', async () => {
    const t = await fakeTenant(await fakeScenario());
    await expect(setSessionTimeouts(db(), await tenantRow(t.slug), { idleSeconds: 7200, absoluteSeconds: 3600 })).rejects.toThrow(/cannot exceed/);
    await expect(setSessionTimeouts(db(), await tenantRow(t.slug), { idleSeconds: 60 })).rejects.toThrow(/at least 5 minutes/);
  });
});
