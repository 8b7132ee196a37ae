/**
 * The app's own copy of a tenant's people, kept from Edge Identity's change log: read the events
 * after the stored cursor, apply each (each sets the state it names), store the new cursor. Run
 * it as often as you like; a run that fails part way resumes from the last stored page.
 */
import type { EventsPage } from '../../../src/binding/identity-api.ts';
import type { Env } from './env.ts';

export interface Member {
  id: string;
  userName: string;
  displayName: string | null;
  active: boolean;
}

const cursorKey = (tenant: string) => `cursor:${tenant}`;
const memberKey = (tenant: string, id: string) => `member:${tenant}:${id}`;

/** Applies every event after the stored cursor; returns how many were applied, or null when Edge Identity has no such tenant. */
export async function syncDirectory(env: Env, tenant: string): Promise<number | null> {
  let after = Number((await env.APP_STATE.get(cursorKey(tenant))) ?? '0');
  let applied = 0;
  for (;;) {
    // The RPC stub's type wraps the union; the answer is the binding's EventsPage.
    const page = (await env.IDENTITY.events(tenant, { after, limit: 100 })) as EventsPage | null;
    if (page === null) return null;
    // Past retention: rebuild from GET /api/v1/tenants/{slug}/directory, then continue after its seq.
    if ('gone' in page) throw new Error(`events after ${after} are no longer kept (oldest ${page.oldestSeq}): rebuild the copy of "${tenant}" from the directory snapshot`);
    for (const event of page.data) {
      const object = (event.data as { object?: Record<string, unknown> }).object;
      if (event.type === 'user.deleted') await env.APP_STATE.delete(memberKey(tenant, String(object?.id)));
      else if (event.type.startsWith('user.') && event.type !== 'user.signed_in' && object) {
        const member: Member = { id: String(object.id), userName: String(object.userName), displayName: typeof object.displayName === 'string' ? object.displayName : null, active: object.active !== false };
        await env.APP_STATE.put(memberKey(tenant, member.id), JSON.stringify(member));
      }
      applied++;
    }
    if (page.next === after) return applied;
    after = page.next;
    await env.APP_STATE.put(cursorKey(tenant), String(after));
  }
}

/** The copy of the tenant's members, in key order. */
export async function copiedMembers(env: Env, tenant: string): Promise<Member[]> {
  const listed = await env.APP_STATE.list({ prefix: `member:${tenant}:` });
  const values = await Promise.all(listed.keys.map((k) => env.APP_STATE.get<Member>(k.name, 'json')));
  return values.filter((m): m is Member => m !== null);
}
