/**
 * The tenant admin console under `/admin/{slug}`: server-rendered pages with plain forms, for the
 * people signed in to that tenant. Every change is a same-origin POST by someone at or above the
 * tenant's configuring role, made through the same stores as the CLI and the API and audited as
 * `admin:<user id>`; a refused change re-renders the page with the reason and saves nothing.
 */
import { zValidator } from '@hono/zod-validator';
import { Hono, type Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { z } from 'zod';
import { configOf } from '../config.ts';
import { database, type Database } from '../db/client.ts';
import type { Env } from '../env.ts';
import { getHostCookie, sessionIdFromCookie } from '../http/cookies.ts';
import { setupCookieName } from '../tenants/setup-grant.ts';
import { PageError, StoreError } from '../http/errors.ts';
import { privatePages } from '../http/private-pages.ts';
import { isSameOriginPost } from '../http/same-origin.ts';
import { describeIssues } from '../http/validation.ts';
import { saveCheckedConnection } from '../oidc/checked-connection.ts';
import { TOKEN_AUTH_METHODS } from '../oidc/connection-settings.ts';
import { getConnectionInfo, type ConnectionUpdate } from '../oidc/connection-store.ts';
import { oktaAppValues } from '../oidc/okta-app-values.ts';
import { directoryPage, DirectoryQueryError, directoryUser, type DirectoryPage, groupMembersPage, memberCounts, userNames } from '../scim/storage/directory-pages.ts';
import { tenantScimBase } from '../scim/wire/respond.ts';
import { listedAccess, userAccess } from '../tenants/access.ts';
import { catalogRole, listRoleMappings, mapGroupsToRoles, setConfiguringRole, setDefaultRole, unmapGroups, type RoleMapping } from '../tenants/role-mappings.ts';
import { addDomain, dohTxtLookup, listDomains, removeDomain, verificationRecord, verifyDomain } from '../tenants/domain-store.ts';
import { highestRole } from '../tenants/roles.ts';
import { foldCase } from '../common/fold-case.ts';
import { AUDIT_KINDS, auditPage, latestProvisioningRequest, userHistory, type AuditEntry } from '../audit/audit-reader.ts';
import { accessAnnouncer } from '../scim/port/tenant-reads.ts';
import { createScimToken, listScimTokens, revokeScimToken, setScimEnabled, type Tenant } from '../tenants/tenant-store.ts';
import { consoleViewer, setupLinkViewer, type ConsoleViewer } from './access.ts';
import { CONSOLE_CSS, CONSOLE_JS } from './assets.ts';
import { consolePath, type Flash, type Section } from './layout.tsx';
import { authenticationPage, type ConnectionFormValues } from './pages/authentication.tsx';
import { provisioningPage } from './pages/provisioning.tsx';
import { rolesPage } from './pages/roles.tsx';
import { usersPage, type UserRow } from './pages/users.tsx';
import { heldBy } from '../db/held-resources.ts';
import { activityPage } from './pages/activity.tsx';
import { webhooksPage } from './pages/webhooks.tsx';
import { addEndpoint, enableEndpoint, listEndpoints, removeEndpoint, replayFrom, requestPing } from '../webhooks/endpoint-store.ts';
import { kickEndpoint } from '../webhooks/kicks.ts';
import { lastSeq } from '../events/event-feed.ts';
import { domainsPage } from './pages/domains.tsx';
import { groupPage, groupsPage, type GroupRow } from './pages/groups.tsx';
import { userPage } from './pages/user.tsx';

type AdminEnv = { Bindings: Env; Variables: { viewer: ConsoleViewer } };
type AdminContext = Context<AdminEnv>;

/** No inline code, no other origin, no framing: the stylesheet and script come from /admin/assets. */
const CONSOLE_POLICY = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/** A token made in the console expires after a year, like one from a setup link. */
const CONSOLE_TOKEN_SECONDS = 365 * 86400;

const PAGE_SIZE = 50;

/** What a redirect after a change says on the page it lands on. */
const NOTICES: Record<string, string> = {
  connection: 'Saved: the provider checked out, and sign-in uses these settings now.',
  scim: 'Saved.',
  revoked: 'Token revoked: requests with it are refused from now on.',
  mapped: 'Mapping saved: it applies at the next sign-in and session check.',
  unmapped: 'Mapping removed.',
  roles: 'Role settings saved.',
  domain: 'Domain added: publish its TXT record, then verify it.',
  verified: 'Domain verified: sign-ins at it now come to this tenant.',
  removed: 'Domain removed.',
  'webhook-test': 'A signed ping goes out before the next event.',
  'webhook-enable': 'Enabled: delivery resumes where it stopped.',
  'webhook-replay': 'Replaying: events are delivered again from that seq.',
  'webhook-remove': 'Endpoint removed.',
};

function formHook(result: { success: true } | { success: false; error: z.core.$ZodError }): void {
  if (!result.success) throw new PageError(400, 'This form was not filled in as expected; go back and try again.', `invalid console form: ${describeIssues(result.error)}`, 'Not saved');
}

const checkbox = z.literal('on').optional();
const connectionForm = z.object({
  issuer: z.string().trim().min(1).max(2048),
  clientId: z.string().trim().min(1).max(255),
  clientSecret: z.string().max(1024).default(''),
  tokenAuthMethod: z.enum(TOKEN_AUTH_METHODS),
  scopes: z.string().trim().min(1).max(1000),
  groupsClaim: z.string().trim().min(1).max(100),
  groupsFilter: z.string().trim().min(1).max(500),
  jit: checkbox,
  requireSso: checkbox,
});
const pageQuery = z.object({ saved: z.string().max(20).optional(), 'signed-in': z.literal('1').optional() });
const domainForm = z.object({ domain: z.string().trim().min(1).max(253) });
const dateField = z.union([z.literal(''), z.iso.date()]).default('');
const activityQuery = z.object({
  kind: z.enum(AUDIT_KINDS).default('all'),
  outcome: z.enum(['all', 'success', 'failure']).default('all'),
  user: z.string().trim().max(100).default(''),
  from: dateField,
  until: dateField,
  cursor: z.string().max(200).optional(),
});
const usersQuery = z.object({ q: z.string().trim().max(200).default(''), status: z.enum(['all', 'active', 'deactivated']).default('all'), group: z.string().trim().max(256).default(''), role: z.string().max(100).default(''), cursor: z.string().max(2000).optional() });

const origin = (c: Context) => new URL(c.req.url).origin;
const flashOf = (c: AdminContext): Flash => ({ notice: NOTICES[c.req.query('saved') ?? ''] });

/** The person looking at `slug`'s console; without one, GETs go to the tenant's sign-in and come back. */
const signedIn = createMiddleware<AdminEnv>(async (c, next) => {
  const slug = c.req.param('slug') ?? '';
  const viewer = (await consoleViewer(c.env, slug, sessionIdFromCookie(c))) ?? (await setupLinkViewer(configOf(c.env), database(c.env.DB), slug, getHostCookie(c, setupCookieName(slug))));
  if (!viewer) {
    if (c.req.method !== 'GET') throw new PageError(403, 'Sign in to change these settings.', `console ${c.req.method} for "${slug}" without a session of that tenant`, 'Not allowed');
    const back = new URL(c.req.url);
    return c.redirect(`/auth/${encodeURIComponent(slug)}/login?return_to=${encodeURIComponent(back.pathname + back.search)}`, 302);
  }
  c.set('viewer', viewer);
  await next();
});

/** Changes: same-origin POSTs (beside the SameSite cookie) by someone at or above the configuring role. */
const mayChange = createMiddleware<AdminEnv>(async (c, next) => {
  if (!isSameOriginPost(c.req.raw.headers, origin(c))) throw new PageError(403, 'Changes must be made from the console itself.', `cross-origin console POST: origin=${c.req.header('origin') ?? '-'}`, 'Not allowed');
  const viewer = c.get('viewer');
  if (!viewer.canConfigure) throw new PageError(403, `You can view these settings; changing them needs the ${viewer.tenant.configuringRole} role or higher.`, `console change by ${viewer.actor} (${viewer.role})`, 'Not allowed');
  await next();
});

/** Runs a change; a store's refusal comes back as the problem to show, nothing saved. */
async function attempt<T>(change: () => Promise<T>): Promise<{ done: T } | { problem: string }> {
  try {
    return { done: await change() };
  } catch (err) {
    if (err instanceof StoreError) return { problem: err.message };
    throw err;
  }
}

const afterChange = (c: AdminContext, section: Section, saved: string) => c.redirect(`${consolePath(c.get('viewer').tenant.slug, section)}?saved=${saved}`, 303);

async function renderAuthentication(c: AdminContext, flash: Flash, form?: ConnectionFormValues, status: 200 | 422 = 200) {
  const viewer = c.get('viewer');
  const connection = await getConnectionInfo(database(c.env.DB), viewer.tenant.id);
  return c.html(authenticationPage({ viewer, connection, form, okta: oktaAppValues(origin(c), viewer.tenant.slug), flash }), status);
}

async function renderProvisioning(c: AdminContext, flash: Flash, created?: { token: string; label: string }, status: 200 | 422 = 200) {
  const viewer = c.get('viewer');
  const db = database(c.env.DB);
  const [tokens, lastRequest] = await Promise.all([listScimTokens(db, viewer.tenant), latestProvisioningRequest(db, viewer.tenant.id)]);
  return c.html(provisioningPage({ viewer, scimBaseUrl: tenantScimBase(origin(c), viewer.tenant.slug), tokens: tokens.reverse(), lastRequest, created, flash }), status);
}

async function renderDomains(c: AdminContext, flash: Flash, status: 200 | 422 = 200) {
  const viewer = c.get('viewer');
  const { secretsKey } = configOf(c.env);
  const domains = await Promise.all((await listDomains(database(c.env.DB), viewer.tenant)).map(async (d) => ({ ...d, ...(await verificationRecord(secretsKey, viewer.tenant.id, d.domain)) })));
  return c.html(domainsPage({ viewer, domains: domains.map(({ name, value, ...d }) => ({ ...d, txtName: name, txtValue: value })), flash }), status);
}

async function renderWebhooks(c: AdminContext, flash: Flash, created?: { id: string; secret: string }, status: 200 | 422 = 200) {
  const viewer = c.get('viewer');
  const db = database(c.env.DB);
  const [endpoints, newest] = await Promise.all([listEndpoints(db, viewer.tenant), lastSeq(db, viewer.tenant.id)]);
  return c.html(webhooksPage({ viewer, endpoints, lastSeq: newest, created, flash }), status);
}

/** A group as its pages show it: the role a mapping of its name or external id grants (the highest, if several). */
function groupRow(viewer: ConsoleViewer, group: Record<string, unknown>, members: number, mappings: RoleMapping[]): GroupRow {
  const names = [group.displayName, group.externalId].filter((n): n is string => typeof n === 'string').map(foldCase);
  const roles = mappings.filter((m) => names.includes(foldCase(m.groupName))).map((m) => m.role);
  return { id: String(group.id), displayName: String(group.displayName), externalId: typeof group.externalId === 'string' ? group.externalId : null, members, role: highestRole(viewer.tenant.roles, roles) ?? null };
}

/** The user names of the admins and the labels of the SCIM tokens `entries` name. */
async function actorNames(db: Database, viewer: ConsoleViewer, entries: readonly AuditEntry[]): Promise<Map<string, string>> {
  const adminIds = [...new Set(entries.flatMap((e) => (e.actor.startsWith('admin:') ? [e.actor.slice('admin:'.length)] : [])))];
  const [admins, tokens] = await Promise.all([userNames(db, viewer.tenant, adminIds), entries.some((e) => e.actor.startsWith('token:')) ? listScimTokens(db, viewer.tenant) : []]);
  return new Map([...admins, ...tokens.map((t) => [t.id, t.label] as const)]);
}

async function renderRoles(c: AdminContext, flash: Flash, status: 200 | 422 = 200) {
  const viewer = c.get('viewer');
  return c.html(rolesPage({ viewer, mappings: await listRoleMappings(database(c.env.DB), viewer.tenant), flash }), status);
}

/** The SCIM filter for the status and group filters (a SCIM string literal is a JSON string). */
function usersFilter(status: 'all' | 'active' | 'deactivated', groupId: string | undefined, term?: string): string | undefined {
  const terms: string[] = [];
  if (term !== undefined) terms.push(term);
  if (groupId !== undefined) terms.push(`groups.value eq ${JSON.stringify(groupId)}`);
  if (status !== 'all') terms.push(`active eq ${status === 'active'}`);
  return terms.length ? terms.join(' and ') : undefined;
}

/**
 * Who may have `role`, as a SCIM filter: a SCIM role of that value, or membership of a group whose
 * mapping grants it (by display name or external ID). The effective role is the highest of all, so
 * the page keeps only those whose computed role it is; the default role has no such narrowing.
 */
async function roleCandidates(db: Database, tenant: Tenant, base: string, role: string): Promise<string | undefined> {
  if (role === tenant.defaultRole) return undefined;
  const names = (await listRoleMappings(db, tenant)).filter((m) => m.role === role).map((m) => JSON.stringify(m.groupName));
  const granting = await Promise.all(names.map((name) => directoryPage(db, tenant, 'groups', base, { filter: `displayName eq ${name} or externalId eq ${name}`, limit: 20 })));
  const groupTerms = granting.flatMap((p) => p.data).map((g) => `groups.value eq ${JSON.stringify(String(g.id))}`);
  return `(${[`roles.value eq ${JSON.stringify(role)}`, ...groupTerms].join(' or ')})`;
}

/**
 * The find box: a whole user name (Okta and Entra send the email there), external ID or display
 * name. One lookup each, merged in creation order: each is an index of `users`, where their OR in
 * one query is read along the paging order instead, every row at 100,000 users.
 */
async function findUsers(db: Database, tenant: { id: string }, base: string, q: string, status: 'all' | 'active' | 'deactivated', groupId: string | undefined): Promise<DirectoryPage> {
  const text = JSON.stringify(q);
  const pages = await Promise.all(['userName', 'externalId', 'displayName'].map((attribute) => directoryPage(db, tenant, 'users', base, { filter: usersFilter(status, groupId, `${attribute} eq ${text}`), limit: PAGE_SIZE })));
  const found = new Map(pages.flatMap((p) => p.data).map((u) => [String(u.id), u]));
  return { data: [...found.values()].sort((a, b) => String((a.meta as { created?: string })?.created).localeCompare(String((b.meta as { created?: string })?.created))).slice(0, PAGE_SIZE), next: null };
}

function userRow(object: Record<string, unknown>, role: string, groups: string[]): Omit<UserRow, 'source' | 'lastSignIn'> {
  const emails = Array.isArray(object.emails) ? (object.emails as { value?: unknown; primary?: unknown }[]) : [];
  const email = (emails.find((e) => e.primary === true) ?? emails[0])?.value;
  const name = object.name as { formatted?: unknown; givenName?: unknown; familyName?: unknown } | undefined;
  const fullName = typeof name?.formatted === 'string' ? name.formatted : [name?.givenName, name?.familyName].filter((p) => typeof p === 'string').join(' ') || (typeof object.displayName === 'string' ? object.displayName : null);
  return {
    id: String(object.id),
    userName: String(object.userName),
    name: fullName || null,
    email: typeof email === 'string' ? email : null,
    externalId: typeof object.externalId === 'string' ? object.externalId : null,
    active: object.active !== false,
    role,
    groups,
  };
}

/** The `/admin` routes, mounted by src/index.ts. */
export const adminRoutes = new Hono<AdminEnv>()
  .get('/assets/console.css', (c) => c.body(CONSOLE_CSS, 200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'public, max-age=3600' }))
  .get('/assets/console.js', (c) => c.body(CONSOLE_JS, 200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'public, max-age=3600' }))
  .use(privatePages(CONSOLE_POLICY))
  .use('/:slug/*', signedIn)
  .use('/:slug', signedIn)
  .post('/:slug/*', mayChange)

  .get('/:slug', (c) => c.redirect(consolePath(c.get('viewer').tenant.slug, 'authentication'), 302))

  .get('/:slug/authentication', zValidator('query', pageQuery, formHook), async (c) => {
    const viewer = c.get('viewer');
    const signedInNotice = c.req.valid('query')['signed-in'] ? `Sign-in worked: you are signed in as ${viewer.name} with the ${viewer.role} role.` : undefined;
    return renderAuthentication(c, { notice: signedInNotice ?? flashOf(c).notice });
  })
  .post('/:slug/authentication', zValidator('form', connectionForm, formHook), async (c) => {
    const viewer = c.get('viewer');
    const form = c.req.valid('form');
    // A public client drops any stored secret; an empty secret field keeps it.
    const clientSecret = form.tokenAuthMethod === 'none' ? null : form.clientSecret === '' ? undefined : form.clientSecret;
    const update: ConnectionUpdate = {
      issuer: form.issuer,
      clientId: form.clientId,
      tokenAuthMethod: form.tokenAuthMethod,
      scopes: form.scopes,
      groupsClaim: form.groupsClaim,
      groupsFilter: form.groupsFilter,
      jit: form.jit === 'on',
      requireSso: form.requireSso === 'on',
      ...(clientSecret === undefined ? {} : { clientSecret }),
    };
    const outcome = await saveCheckedConnection(database(c.env.DB), configOf(c.env), viewer.tenant, update, viewer.actor);
    if ('problems' in outcome) {
      const { clientSecret: _secret, jit, requireSso, ...shown } = form;
      return renderAuthentication(c, { problems: outcome.problems }, { ...shown, jit: jit === 'on', requireSso: requireSso === 'on' }, 422);
    }
    return afterChange(c, 'authentication', 'connection');
  })

  .get('/:slug/provisioning', (c) => renderProvisioning(c, flashOf(c)))
  .post('/:slug/provisioning/scim', zValidator('form', z.object({ enabled: checkbox }), formHook), async (c) => {
    const viewer = c.get('viewer');
    await setScimEnabled(database(c.env.DB), accessAnnouncer(c.env), viewer.tenant, c.req.valid('form').enabled === 'on', viewer.actor);
    return afterChange(c, 'provisioning', 'scim');
  })
  .post('/:slug/provisioning/tokens', zValidator('form', z.object({ label: z.string().trim().min(1).max(100) }), formHook), async (c) => {
    const viewer = c.get('viewer');
    const { label } = c.req.valid('form');
    const issued = await createScimToken(database(c.env.DB), viewer.tenant, label, CONSOLE_TOKEN_SECONDS, { actor: viewer.actor });
    // Shown in this answer only: no redirect, so the token never sits in a URL or history entry.
    return renderProvisioning(c, { notice: `Token "${label}" created.` }, { token: issued.token, label });
  })
  .post('/:slug/provisioning/tokens/:tokenId/revoke', async (c) => {
    const viewer = c.get('viewer');
    const outcome = await attempt(() => revokeScimToken(database(c.env.DB), accessAnnouncer(c.env), viewer.tenant, c.req.param('tokenId'), viewer.actor));
    if ('problem' in outcome) return renderProvisioning(c, { problems: [outcome.problem] }, undefined, 422);
    return afterChange(c, 'provisioning', 'revoked');
  })

  .get('/:slug/users', zValidator('query', usersQuery, formHook), async (c) => {
    const viewer = c.get('viewer');
    const db = database(c.env.DB);
    const { cursor, ...query } = c.req.valid('query');
    const base = tenantScimBase(origin(c), viewer.tenant.slug);
    // A group by its display name (an index lookup); a name no group has matches no one.
    const [held, group] = await Promise.all([
      heldBy(db, viewer.tenant.id),
      query.group ? directoryPage(db, viewer.tenant, 'groups', base, { filter: `displayName eq ${JSON.stringify(query.group)}`, limit: 1 }).then((p) => p.data[0]) : undefined,
    ]);
    const provisioned = held.users;
    if (query.group && !group) return c.html(usersPage({ viewer, provisioned, rows: [], query, nextHref: null, problem: `There is no group "${query.group}".` }));
    const role = query.role ? viewer.tenant.roles.find((r) => r === query.role) : undefined;
    if (query.role && !role) return c.html(usersPage({ viewer, provisioned, rows: [], query, nextHref: null, problem: `"${query.role}" is not a role of this tenant.` }));
    let page;
    try {
      const groupId = group && String(group.id);
      const candidates = role === undefined ? undefined : await roleCandidates(db, viewer.tenant, base, role);
      page = query.q ? await findUsers(db, viewer.tenant, base, query.q, query.status, groupId) : await directoryPage(db, viewer.tenant, 'users', base, { filter: usersFilter(query.status, groupId, candidates), cursor, limit: PAGE_SIZE });
    } catch (err) {
      if (!(err instanceof DirectoryQueryError)) throw err;
      return c.html(usersPage({ viewer, provisioned, rows: [], query, nextHref: null, problem: 'That page link is not valid any more; start from the first page.' }), 400);
    }
    // Every row's role, groups, source and last sign-in: two round trips for the page.
    const ids = page.data.map((object) => String(object.id));
    const [access, history] = await Promise.all([listedAccess(db, viewer.tenant, page.data.map((object) => ({ id: String(object.id), roles: object.roles }))), userHistory(db, viewer.tenant.id, ids)]);
    const rows = page.data.map((object) => {
      const of = access.get(String(object.id));
      const seen = history.get(String(object.id));
      const source = seen?.createdBy?.startsWith('token:') ? 'SCIM' : seen?.createdBy === 'oidc' ? 'JIT' : '—';
      return { ...userRow(object, of?.role ?? viewer.tenant.defaultRole, of?.groups ?? []), source, lastSignIn: seen?.lastSignIn ?? null } satisfies UserRow;
    }).filter((row) => role === undefined || row.role === role);
    const nextHref = page.next ? `${consolePath(viewer.tenant.slug, 'users')}?${new URLSearchParams({ ...query, cursor: page.next })}` : null;
    return c.html(usersPage({ viewer, provisioned, rows, query, nextHref, problem: undefined }));
  })

  .get('/:slug/users/:userId', async (c) => {
    const viewer = c.get('viewer');
    const db = database(c.env.DB);
    const userId = c.req.param('userId');
    const [access, resource, recent] = await Promise.all([
      userAccess(db, viewer.tenant.id, userId),
      directoryUser(db, viewer.tenant, tenantScimBase(origin(c), viewer.tenant.slug), userId),
      auditPage(db, viewer.tenant.id, { kind: 'all', outcome: 'all', userId }, undefined, 10),
    ]);
    if (!access || !resource) throw new PageError(404, 'There is no such user in this directory.', `console: no user "${userId}" in ${viewer.tenant.slug}`, 'Not found');
    const { role: _role, groupNames: _groups, ...scim } = resource;
    const entries = recent?.entries ?? [];
    const memberOf = new Set(access.scimGroups.map(foldCase));
    const grantingGroups = (await listRoleMappings(db, viewer.tenant)).filter((m) => m.role === access.role && memberOf.has(foldCase(m.groupName))).map((m) => m.groupName);
    return c.html(userPage({ viewer, access, resource: scim, recent: entries, names: await actorNames(db, viewer, entries), grantingGroups }));
  })

  .get('/:slug/groups', zValidator('query', z.object({ cursor: z.string().max(2000).optional() }), formHook), async (c) => {
    const viewer = c.get('viewer');
    const db = database(c.env.DB);
    let page;
    try {
      page = await directoryPage(db, viewer.tenant, 'groups', tenantScimBase(origin(c), viewer.tenant.slug), { cursor: c.req.valid('query').cursor, limit: PAGE_SIZE });
    } catch (err) {
      if (err instanceof DirectoryQueryError) throw new PageError(400, 'That page link is not valid any more; start from the first page.', err.message, 'Not found');
      throw err;
    }
    const [counts, mappings, held] = await Promise.all([memberCounts(db, viewer.tenant, page.data.map((g) => String(g.id))), listRoleMappings(db, viewer.tenant), heldBy(db, viewer.tenant.id)]);
    const rows = page.data.map((g) => groupRow(viewer, g, counts.get(String(g.id)) ?? 0, mappings));
    return c.html(groupsPage({ viewer, provisioned: held.groups, rows, nextHref: page.next ? `${consolePath(viewer.tenant.slug, 'groups')}?cursor=${encodeURIComponent(page.next)}` : null }));
  })
  .get('/:slug/groups/:groupId', zValidator('query', z.object({ after: z.string().max(100).default('') }), formHook), async (c) => {
    const viewer = c.get('viewer');
    const db = database(c.env.DB);
    const groupId = c.req.param('groupId');
    const found = await directoryPage(db, viewer.tenant, 'groups', tenantScimBase(origin(c), viewer.tenant.slug), { filter: `id eq ${JSON.stringify(groupId)}`, limit: 1 });
    const group = found.data[0];
    if (!group) throw new PageError(404, 'There is no such group in this directory.', `console: no group "${groupId}" in ${viewer.tenant.slug}`, 'Not found');
    const [counts, mappings, members] = await Promise.all([memberCounts(db, viewer.tenant, [groupId]), listRoleMappings(db, viewer.tenant), groupMembersPage(db, viewer.tenant, groupId, c.req.valid('query').after, PAGE_SIZE)]);
    const nextHref = members.next ? `/admin/${viewer.tenant.slug}/groups/${encodeURIComponent(groupId)}?after=${encodeURIComponent(members.next)}` : null;
    return c.html(groupPage({ viewer, group: groupRow(viewer, group, counts.get(groupId) ?? 0, mappings), members: members.members, nextHref }));
  })

  .get('/:slug/domains', (c) => renderDomains(c, flashOf(c)))
  .post('/:slug/domains', zValidator('form', domainForm, formHook), async (c) => {
    const viewer = c.get('viewer');
    // The console claims a domain pending its DNS proof; only the operator may vouch for one outright.
    const outcome = await attempt(() => addDomain(database(c.env.DB), viewer.tenant, c.req.valid('form').domain, false, viewer.actor));
    return 'problem' in outcome ? renderDomains(c, { problems: [outcome.problem] }, 422) : afterChange(c, 'domains', 'domain');
  })
  .post('/:slug/domains/verify', zValidator('form', domainForm, formHook), async (c) => {
    const viewer = c.get('viewer');
    const config = configOf(c.env);
    const outcome = await attempt(() => verifyDomain(database(c.env.DB), config.secretsKey, viewer.tenant, c.req.valid('form').domain, (name) => dohTxtLookup(name, config.dohUrl), viewer.actor));
    return 'problem' in outcome ? renderDomains(c, { problems: [outcome.problem] }, 422) : afterChange(c, 'domains', 'verified');
  })
  .post('/:slug/domains/remove', zValidator('form', domainForm, formHook), async (c) => {
    const viewer = c.get('viewer');
    const outcome = await attempt(() => removeDomain(database(c.env.DB), viewer.tenant, c.req.valid('form').domain, viewer.actor));
    return 'problem' in outcome ? renderDomains(c, { problems: [outcome.problem] }, 422) : afterChange(c, 'domains', 'removed');
  })

  .get('/:slug/webhooks', (c) => renderWebhooks(c, flashOf(c)))
  .post('/:slug/webhooks', zValidator('form', z.object({ url: z.string().trim().min(1).max(2048), events: z.string().trim().min(1).max(500) }), formHook), async (c) => {
    const viewer = c.get('viewer');
    const config = configOf(c.env);
    const { url, events } = c.req.valid('form');
    const outcome = await attempt(() => addEndpoint(database(c.env.DB), config.secretsKey, viewer.tenant, { url, events, localDev: config.localDev, actor: viewer.actor }));
    if ('problem' in outcome) return renderWebhooks(c, { problems: [outcome.problem] }, undefined, 422);
    // The secret is shown in this answer only, never in a URL.
    return renderWebhooks(c, { notice: `Endpoint added: it receives changes from now on.` }, { id: outcome.done.info.id, secret: outcome.done.secret });
  })
  .post('/:slug/webhooks/:endpointId/:action{test|enable|replay|remove}', zValidator('form', z.object({ from: z.string().regex(/^\d{1,15}$/, 'a seq').optional() }), formHook), async (c) => {
    const viewer = c.get('viewer');
    const db = database(c.env.DB);
    const id = c.req.param('endpointId');
    const action = c.req.param('action') as 'test' | 'enable' | 'replay' | 'remove';
    const from = Number(c.req.valid('form').from ?? Number.NaN);
    const outcome = await attempt(async () => {
      if (action === 'test') await requestPing(db, viewer.tenant, id, viewer.actor);
      else if (action === 'enable') await enableEndpoint(db, viewer.tenant, id, viewer.actor);
      else if (action === 'replay') await replayFrom(db, viewer.tenant, id, from, viewer.actor);
      else return removeEndpoint(db, viewer.tenant, id, viewer.actor);
      // Delivered now rather than at the next minute's sweep.
      await kickEndpoint(c.env, viewer.tenant.id, id);
    });
    if ('problem' in outcome) return renderWebhooks(c, { problems: [outcome.problem] }, undefined, 422);
    return afterChange(c, 'webhooks', `webhook-${action}`);
  })

  .get('/:slug/activity', zValidator('query', activityQuery, formHook), async (c) => {
    const viewer = c.get('viewer');
    const { kind, outcome, user, from, until, cursor } = c.req.valid('query');
    const form = { kind, outcome, user, from, until };
    // Dates are whole UTC days: until is the end of its day.
    const filter = { kind, outcome, userId: user || undefined, from: from ? `${from}T00:00:00.000Z` : undefined, until: until ? new Date(Date.parse(`${until}T00:00:00.000Z`) + 86_400_000).toISOString() : undefined };
    const page = await auditPage(database(c.env.DB), viewer.tenant.id, filter, cursor, PAGE_SIZE);
    if (!page) return c.html(activityPage({ viewer, entries: [], names: new Map(), form, nextHref: null, problem: 'That page link is not valid any more; start from the newest.' }), 400);
    const nextHref = page.next ? `${consolePath(viewer.tenant.slug, 'activity')}?${new URLSearchParams({ ...form, cursor: page.next })}` : null;
    return c.html(activityPage({ viewer, entries: page.entries, names: await actorNames(database(c.env.DB), viewer, page.entries), form, nextHref, problem: undefined }));
  })

  .get('/:slug/roles', (c) => renderRoles(c, flashOf(c)))
  .post('/:slug/roles/map', zValidator('form', z.object({ groupName: z.string().trim().min(1).max(256), role: z.string().min(1).max(100) }), formHook), async (c) => {
    const viewer = c.get('viewer');
    const outcome = await attempt(() => mapGroupsToRoles(database(c.env.DB), viewer.tenant, [c.req.valid('form')], viewer.actor));
    return 'problem' in outcome ? renderRoles(c, { problems: [outcome.problem] }, 422) : afterChange(c, 'roles', 'mapped');
  })
  .post('/:slug/roles/unmap', zValidator('form', z.object({ groupName: z.string().min(1).max(256) }), formHook), async (c) => {
    const viewer = c.get('viewer');
    const outcome = await attempt(() => unmapGroups(database(c.env.DB), viewer.tenant, [c.req.valid('form').groupName], viewer.actor));
    return 'problem' in outcome ? renderRoles(c, { problems: [outcome.problem] }, 422) : afterChange(c, 'roles', 'unmapped');
  })
  .post('/:slug/roles/settings', zValidator('form', z.object({ defaultRole: z.string().min(1).max(100), configuringRole: z.string().min(1).max(100) }), formHook), async (c) => {
    const viewer = c.get('viewer');
    const db = database(c.env.DB);
    const { defaultRole, configuringRole } = c.req.valid('form');
    // Both roles are checked against the catalog before either is saved: nothing half-saved.
    const outcome = await attempt(async () => {
      catalogRole(viewer.tenant, defaultRole);
      catalogRole(viewer.tenant, configuringRole);
      return setConfiguringRole(db, await setDefaultRole(db, viewer.tenant, defaultRole, viewer.actor), configuringRole, viewer.actor);
    });
    return 'problem' in outcome ? renderRoles(c, { problems: [outcome.problem] }, 422) : afterChange(c, 'roles', 'roles');
  });
