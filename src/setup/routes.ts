/**
 * The self-service setup routes under `/setup`, for the tenant's IT admin: a setup link's key is
 * traded for a sealed SameSite=Strict cookie, every request re-checks the link in D1 (revocation
 * is immediate), changes need a same-origin POST, and no answer is cached, framed or referred.
 */
import { zValidator } from '@hono/zod-validator';
import { Hono, type Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { z } from 'zod';
import { database } from '../db/client.ts';
import { configOf } from '../config.ts';
import type { Env } from '../env.ts';
import { PageError } from '../http/errors.ts';
import { privatePages } from '../http/private-pages.ts';
import { describeIssues } from '../http/validation.ts';
import { getConnectionInfo } from '../oidc/connection-store.ts';
import { oktaAppValues } from '../oidc/okta-app-values.ts';
import { groupsOutlook } from '../oidc/provider-check.ts';
import { isSameOriginPost } from '../http/same-origin.ts';
import { getHostCookie, setHostCookie } from '../http/cookies.ts';
import { slugProblem } from '../tenants/slug.ts';
import { StoreError } from '../http/errors.ts';
import { liveSetupLink, redeemSetupKey, setupPath, type LiveSetupLink } from '../tenants/setup-links.ts';
import { continuePage, OPEN_LINK_SCRIPT, openLinkPage, scimTokenPage, setupPage, type ConnectionFormValues } from './pages.ts';
import { connectionFormSchema, issueScimToken, saveConnection } from './setup-actions.ts';
import { grantFor, openSetupGrant, sealSetupGrant, setupCookieName } from '../tenants/setup-grant.ts';

type SetupEnv = { Bindings: Env; Variables: { setup: LiveSetupLink } };
type SetupContext = Context<SetupEnv, string>;

const origin = (c: Context) => new URL(c.req.url).origin;

/** One answer for every refused key or cookie, so nobody learns whether a link exists, expired or was revoked. */
function invalidLink(c: Context, reason: string): PageError {
  const site = new URL(c.req.url).host;
  return new PageError(403, `This setup link is not valid any more; ask the team at ${site} that sent it for a new one.`, reason, 'Setup link not valid');
}

/** zod-validator hook: a malformed query or form is a plain 400 page. */
function setupHook(result: { success: true } | { success: false; error: z.core.$ZodError }): void {
  if (!result.success) throw new PageError(400, 'This setup request is malformed; go back to the setup page and try again.', `invalid setup input: ${describeIssues(result.error)}`, 'Setup failed');
}

const pageQuery = z.object({ saved: z.literal('connection').optional() });
const openForm = z.object({ key: z.string().max(200) });

/** The open page's CSP: its one inline script, allowed by hash (computed once per isolate). */
let openPagePolicy: Promise<string> | undefined;
function openLinkPolicy(): Promise<string> {
  openPagePolicy ??= crypto.subtle.digest('SHA-256', new TextEncoder().encode(OPEN_LINK_SCRIPT)).then((digest) => {
    const hash = btoa(String.fromCharCode(...new Uint8Array(digest)));
    return `default-src 'none'; script-src 'sha256-${hash}'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`;
  });
  return openPagePolicy;
}

/** The live link the tenant's setup cookie names; the 403 page otherwise. */
async function cookieAccess(c: SetupContext, slug: string): Promise<LiveSetupLink> {
  const value = getHostCookie(c, setupCookieName(slug));
  const grant = value === undefined ? undefined : await openSetupGrant(configOf(c.env).secretsKey, slug, value);
  const live = grant && (await liveSetupLink(database(c.env.DB), slug, grant.tenantId, grant.linkId));
  if (!live) throw invalidLink(c, `setup for "${slug}": ${value === undefined ? 'no cookie' : grant ? `link ${grant.linkId} is no longer live` : 'cookie does not open or expired'}`);
  return live;
}

/** Every setup POST comes from our own pages (beside the SameSite=Strict cookie). */
const sameOriginOnly = createMiddleware<SetupEnv>(async (c, next) => {
  if (!isSameOriginPost(c.req.raw.headers, origin(c))) {
    throw new PageError(403, 'Changes must be made from the setup page itself.', `cross-origin setup POST: origin=${c.req.header('origin') ?? '-'} sec-fetch-site=${c.req.header('sec-fetch-site') ?? '-'}`, 'Setup failed');
  }
  await next();
});

/** Changes: same-origin POSTs with a live link only. */
const changeAccess = createMiddleware<SetupEnv>(async (c, next) => {
  c.set('setup', await cookieAccess(c, c.req.param('tenant') ?? ''));
  await next();
});

async function renderSetupPage(c: SetupContext, live: LiveSetupLink, extra: { notice?: string; problems?: string[]; form?: ConnectionFormValues } = {}, status: 200 | 422 = 200) {
  const connection = await getConnectionInfo(database(c.env.DB), live.tenant.id);
  const groups = connection && (await groupsOutlook(connection.issuer, connection.groupsClaim, configOf(c.env).localDev));
  const view = { slug: live.tenant.slug, tenantName: live.tenant.name, okta: oktaAppValues(origin(c), live.tenant.slug), connection, groups, scimEnabled: live.tenant.scimEnabled, configuringRole: live.tenant.configuringRole, ...extra };
  return c.html(setupPage(view), status);
}

/** The `/setup` routes, mounted by src/index.ts. */
export const setupRoutes = new Hono<SetupEnv>()
  .use(privatePages("default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"))

  // The page, for a live link's cookie.
  .get('/:tenant', zValidator('query', pageQuery, setupHook), async (c) => {
    const { saved } = c.req.valid('query');
    return renderSetupPage(c, await cookieAccess(c, c.req.param('tenant')), saved ? { notice: 'Saved: the connection works and sign-in is on.' } : {});
  })

  // What a setup link opens (`/setup/<slug>/open#key=…`): the same page for every slug, it reads nothing.
  .get('/:tenant/open', async (c) => {
    const slug = c.req.param('tenant');
    if (slugProblem(slug)) throw invalidLink(c, `setup link opened for malformed slug "${slug}"`);
    return c.html(openLinkPage(slug), 200, { 'content-security-policy': await openLinkPolicy(), 'x-frame-options': 'DENY' });
  })

  // Trade the link's key (posted from the fragment) for the cookie.
  .post('/:tenant/open', sameOriginOnly, zValidator('form', openForm, setupHook), async (c) => {
    const slug = c.req.param('tenant');
    const { key } = c.req.valid('form');
    const live = slugProblem(slug) ? undefined : await redeemSetupKey(database(c.env.DB), slug, key);
    if (!live) throw invalidLink(c, `setup key refused for "${slug}"`);
    const grant = grantFor(live.tenant.id, live.link.id, live.link.expiresAt);
    const maxAge = Math.floor((grant.expiresAt - Date.now()) / 1000);
    setHostCookie(c, setupCookieName(slug), await sealSetupGrant(configOf(c.env).secretsKey, slug, grant), maxAge, 'Strict');
    return c.html(continuePage(setupPath(slug)));
  })

  .post('/:tenant/connection', sameOriginOnly, changeAccess, zValidator('form', connectionFormSchema, setupHook), async (c) => {
    const live = c.get('setup');
    const form = c.req.valid('form');
    const outcome = await saveConnection(database(c.env.DB), configOf(c.env), live, form);
    if ('problems' in outcome) {
      return renderSetupPage(c, live, { problems: outcome.problems, form: { issuer: form.issuer, clientId: form.clientId, tokenAuthMethod: form.tokenAuthMethod, requireSso: form.requireSso } }, 422);
    }
    return c.redirect(`${setupPath(live.tenant.slug)}?saved=connection`, 303);
  })

  .post('/:tenant/scim-token', sameOriginOnly, changeAccess, async (c) => {
    const live = c.get('setup');
    const issued = await issueScimToken(database(c.env.DB), live).catch((err: unknown) => {
      if (err instanceof StoreError) return { problem: err.message };
      throw err;
    });
    if ('problem' in issued) return renderSetupPage(c, live, { problems: [issued.problem] }, 422);
    const { token, expiresAt } = issued;
    const { scimBaseUrl, userSignInUrl } = oktaAppValues(origin(c), live.tenant.slug);
    return c.html(scimTokenPage({ slug: live.tenant.slug, tenantName: live.tenant.name, token, expiresAt, scimBaseUrl, userSignInUrl }));
  });
