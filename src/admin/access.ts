/**
 * Who is looking at a tenant's console: a person signed in to that tenant through its SSO (the
 * session, checked against D1 on every request, so a deactivated admin is out on the next click).
 * Whether they may change anything is their role against the tenant's configuring role; everyone
 * else signed in to the tenant sees the pages read-only. A session of another tenant is no one here.
 * Before SSO works, the holder of a live setup link gets in too.
 */
import type { AuditActor } from '../audit/audit-log.ts';
import type { Config } from '../config.ts';
import { database, type Database } from '../db/client.ts';
import { openSetupGrant } from '../tenants/setup-grant.ts';
import { liveSetupLink } from '../tenants/setup-links.ts';
import type { Env } from '../env.ts';
import { liveSession } from '../sessions/current-session.ts';
import { mayConfigure } from '../tenants/roles.ts';
import { findTenantBySlug, type Tenant } from '../tenants/tenant-store.ts';

export interface ConsoleViewer {
  tenant: Tenant;
  userId: string;
  /** How the header names them. */
  name: string;
  role: string;
  /** At or above the tenant's configuring role: edit controls shown, changes accepted. */
  canConfigure: boolean;
  /** Who the audit rows of their changes name. */
  actor: AuditActor;
}

/** The viewer of tenant `slug`'s console behind `sessionId`, or undefined (no live session of that tenant). */
export async function consoleViewer(env: Env, slug: string, sessionId: string | undefined): Promise<ConsoleViewer | undefined> {
  const live = await liveSession(env, sessionId);
  if (!live || live.view.tenant !== slug) return undefined;
  const tenant = await findTenantBySlug(database(env.DB), slug);
  if (!tenant || tenant.id !== live.tenantId) return undefined;
  const { user, role } = live.view;
  return { tenant, userId: user.id, name: user.name ?? user.email ?? user.userName, role, canConfigure: mayConfigure(tenant.roles, tenant.configuringRole, role), actor: `admin:${user.id}` };
}

/**
 * The holder of a live setup link (its sealed cookie for `slug`): first-time setup, before SSO
 * works, with the link's own rights to change everything; checked in D1 on every request, so a
 * revoked or expired link is out at once.
 */
export async function setupLinkViewer(config: Config, db: Database, slug: string, cookieValue: string | undefined): Promise<ConsoleViewer | undefined> {
  const grant = cookieValue === undefined ? undefined : await openSetupGrant(config.secretsKey, slug, cookieValue);
  const live = grant && (await liveSetupLink(db, slug, grant.tenantId, grant.linkId));
  if (!live) return undefined;
  return { tenant: live.tenant, userId: '', name: 'Setup link', role: 'setup link', canConfigure: true, actor: `setup:${live.link.id}` };
}
