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
import type { Env } from '../env.ts';
import { OidcError } from '../http/errors.ts';
import { privatePages } from '../http/private-pages.ts';
import { describeIssues } from '../http/validation.ts';
import { getConnectionInfo } from '../oidc/connection-store.ts';
import { oktaAppValues } from '../oidc/okta-app-values.ts';
import { isSameOriginPost } from '../oidc/same-origin.ts';
import { getHostCookie, setHostCookie } from '../sessions/cookies.ts';
import { slugProblem } from '../tenants/slug.ts';
import { liveSetupLink, redeemSetupKey, setupPath, type LiveSetupLink } from './link-store.ts';
import { continuePage, scimTokenPage, setupPage, type ConnectionFormValues } from './pages.ts';
import { connectionFormSchema, issueScimToken, saveConnection } from './setup-actions.ts';
import { grantFor, openSetupGrant, sealSetupGrant, setupCookieName } from './setup-grant.ts';

type SetupEnv = { Bindings: Env; Variables: { setup: LiveSetupLink } };
type SetupContext = Context<SetupEnv, string>;

const origin = (c: Context) => new URL(c.req.url).origin;

/** One answer for every refused key or cookie, so nobody learns whether a link exists, expired or was revoked. */
function invalidLink(c: Context, reason: string): OidcError {
  const site = new URL(c.req.url).host;
  return new OidcError(403, `This setup link is not valid any more; ask the team at ${site} that sent it for a new one.`, reason, 'Setup link not valid');
}

/** zod-validator hook: a malformed query or form is a plain 400 page. */
function setupHook(result: { success: true } | { success: false; error: z.core.$ZodError }): void {
  if (!result.success) throw new OidcError(400, 'This setup request is malformed; go back to the setup page and try again.', `invalid setup input: ${describeIssues(result.error)}`, 'Setup failed');
}

const pageQuery = z.object({ key: z.string().max(200).optional(), saved: z.literal('connection').optional() });

/** The live link the tenant's setup cookie names; the 403 page otherwise. */
async function cookieAccess(c: SetupContext, slug: string): Promise<LiveSetupLink> {
  const value = getHostCookie(c, setupCookieName(slug));
  const grant = value === undefined ? undefined : await openSetupGrant(c.env.SECRETS_KEY, slug, value);
  const live = grant && (await liveSetupLink(database(c.env.DB), slug, grant.tenantId, grant.linkId));
  if (!live) throw invalidLink(c, `setup for "${slug}": ${value === undefined ? 'no cookie' : grant ? `link ${grant.linkId} is no longer live` : 'cookie does not open or expired'}`);
  return live;
}

/** Changes: same-origin POSTs (beside the SameSite=Strict cookie) with a live link only. */
const changeAccess = createMiddleware<SetupEnv>(async (c, next) => {
  if (!isSameOriginPost(c.req.raw.headers, origin(c))) {
    throw new OidcError(403, 'Changes must be made from the setup page itself.', `cross-origin setup POST: origin=${c.req.header('origin') ?? '-'} sec-fetch-site=${c.req.header('sec-fetch-site') ?? '-'}`, 'Setup failed');
  }
  c.set('setup', await cookieAccess(c, c.req.param('tenant') ?? ''));
  await next();
});

async function renderSetupPage(c: SetupContext, live: LiveSetupLink, extra: { notice?: string; problems?: string[]; form?: ConnectionFormValues } = {}, status: 200 | 422 = 200) {
  const connection = await getConnectionInfo(database(c.env.DB), live.tenant.id);
  const view = { slug: live.tenant.slug, tenantName: live.tenant.name, okta: oktaAppValues(origin(c), live.tenant.slug), connection, scimEnabled: live.tenant.scimEnabled, ...extra };
  return c.html(setupPage(view), status);
}

/** The `/setup` routes, mounted by src/index.ts. */
export const setupRoutes = new Hono<SetupEnv>()
  .use(privatePages("default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"))

  // With ?key=: trade the link's key for the cookie. Without: the page, for a live link's cookie.
  .get('/:tenant', zValidator('query', pageQuery, setupHook), async (c) => {
    const slug = c.req.param('tenant');
    const { key, saved } = c.req.valid('query');
    if (key === undefined) return renderSetupPage(c, await cookieAccess(c, slug), saved ? { notice: 'Saved: the connection works and sign-in is on.' } : {});
    const live = slugProblem(slug) ? undefined : await redeemSetupKey(database(c.env.DB), slug, key);
    if (!live) throw invalidLink(c, `setup key refused for "${slug}"`);
    const grant = grantFor(live.tenant.id, live.link.id, live.link.expiresAt);
    const maxAge = Math.floor((grant.expiresAt - Date.now()) / 1000);
    setHostCookie(c, setupCookieName(slug), await sealSetupGrant(c.env.SECRETS_KEY, slug, grant), maxAge, 'Strict');
    return c.html(continuePage(setupPath(slug)));
  })

  .post('/:tenant/connection', changeAccess, zValidator('form', connectionFormSchema, setupHook), async (c) => {
    const live = c.get('setup');
    const form = c.req.valid('form');
    const outcome = await saveConnection(c.env, live, form);
    if ('problems' in outcome) {
      return renderSetupPage(c, live, { problems: outcome.problems, form: { issuer: form.issuer, clientId: form.clientId, tokenAuthMethod: form.tokenAuthMethod } }, 422);
    }
    return c.redirect(`${setupPath(live.tenant.slug)}?saved=connection`, 303);
  })

  .post('/:tenant/scim-token', changeAccess, async (c) => {
    const live = c.get('setup');
    const { token } = await issueScimToken(c.env, live);
    return c.html(scimTokenPage({ slug: live.tenant.slug, tenantName: live.tenant.name, token, scimBaseUrl: oktaAppValues(origin(c), live.tenant.slug).scimBaseUrl }));
  });
