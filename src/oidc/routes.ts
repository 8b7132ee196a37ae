/**
 * The sign-in routes under `/auth`: parse, resolve the tenant, call the OIDC functions, set
 * cookies and redirect. Every answer is `no-store`, sends no Referer (codes travel in URLs) and
 * may not be framed (no clickjacking of sign-in or sign-out) unless its route says who may.
 */
import { zValidator } from '@hono/zod-validator';
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { database } from '../db/client.ts';
import { configOf } from '../config.ts';
import type { Env } from '../env.ts';
import { PageError } from '../http/errors.ts';
import { privatePages } from '../http/private-pages.ts';
import { describeIssues } from '../http/validation.ts';
import { clearHostCookie, getHostCookie, hostCookiesStartingWith, SESSION_COOKIE, sessionIdFromCookie, setHostCookie } from '../http/cookies.ts';
import { currentSession } from '../sessions/current-session.ts';
import { issueSessionToken } from '../sessions/session-token.ts';
import { completeSignIn } from './callback.ts';
import { loadSignInSetup, type SignInSetup } from './connection-store.ts';
import { initiatingIssuerMatches } from './issuer-url.ts';
import { tenantSlugForEmail } from '../tenants/domain-store.ts';
import { NO_SIGN_IN_HERE, requireConnection, startLogin } from './login.ts';
import { LOGIN_COOKIE_STEM, loginCookieName, staleAttemptCookies } from './login-state.ts';
import { frontChannelHeaders, frontChannelLogout, MAX_SID_LENGTH } from './frontchannel-logout.ts';
import { endSession } from './logout.ts';
import { limitSignInStarts } from './rate-limit.ts';
import { safeReturnTo, safeTargetLink, safeTokenRedirect } from './return-to.ts';
import { isSameOriginPost } from '../http/same-origin.ts';
import { emailPromptPage, frontChannelLogoutPage, signedOutPage } from './pages.ts';

type AuthContext = Context<{ Bindings: Env }>;

/** zod-validator hook: a malformed query is a plain 400 sign-in page. */
function oidcHook(result: { success: true } | { success: false; error: z.core.$ZodError }): void {
  if (!result.success) throw new PageError(400, 'This sign-in link is malformed.', `invalid query: ${describeIssues(result.error)}`);
}

const optionalText = z.string().max(2048).optional();
const loginQuery = z.object({ return_to: optionalText, login_hint: z.string().max(320).optional() });
const initiateQuery = z.object({ iss: z.string().min(1).max(2048), login_hint: z.string().max(320).optional(), target_link_uri: optionalText });
const emailQuery = z.object({ email: z.string().max(320).optional(), return_to: optionalText });
const tokenRedirectQuery = z.object({ to: z.string().min(1).max(2048), state: z.string().min(1).max(512).optional() });
const callbackQuery = z.object({ state: z.string().min(1).max(512) }).loose();
const frontChannelQuery = z.object({ iss: z.string().min(1).max(2048), sid: z.string().min(1).max(MAX_SID_LENGTH) });

const origin = (c: AuthContext) => new URL(c.req.url).origin;

/** The tenant named in the path with its connection; one and the same 404 page for an unknown tenant and one without SSO. */
async function tenantSetup(c: AuthContext, slug: string): Promise<SignInSetup> {
  const setup = await loadSignInSetup(database(c.env.DB), { slug });
  if (!setup) throw new PageError(404, NO_SIGN_IN_HERE, `unknown tenant "${slug}"`);
  requireConnection(setup);
  return setup;
}

async function redirectToProvider(c: AuthContext, setup: SignInSetup, returnTo: string, loginHint: string | undefined): Promise<Response> {
  await limitSignInStarts(c.env, setup.tenant.id, c.req.header('cf-connecting-ip'));
  // One cookie per attempt: without a cap, repeated starts would grow the browser's Cookie header until every request fails.
  const config = configOf(c.env);
  for (const name of await staleAttemptCookies(config.secretsKey, hostCookiesStartingWith(c, LOGIN_COOKIE_STEM))) clearHostCookie(c, name);
  const redirect = await startLogin(config, setup, { origin: origin(c), returnTo, loginHint });
  setHostCookie(c, redirect.cookie.name, redirect.cookie.value, redirect.cookie.maxAge);
  return c.redirect(redirect.location, 302);
}

/** The `/auth` routes, mounted by src/index.ts. */
export const authRoutes = new Hono<{ Bindings: Env }>()
  // A route with its own rule keeps it: front-channel logout sends `no-cache, no-store` (its spec) and names its framer.
  .use(privatePages())

  // Home-realm discovery: the tenant whose verified domain the email has.
  .get('/login', zValidator('query', emailQuery, oidcHook), async (c) => {
    const { email, return_to } = c.req.valid('query');
    const returnTo = safeReturnTo(return_to, origin(c));
    if (!email) return c.html(emailPromptPage(returnTo));
    if (!/^[^@\s]+@[^@\s]+$/.test(email)) throw new PageError(400, 'Please enter a work email address like alice@acme.com.', `not an email: ${email}`);
    // Lookups by email get their own budget, so probing which domains use SSO is slow too.
    await limitSignInStarts(c.env, 'email-lookup', c.req.header('cf-connecting-ip'));
    const slug = await tenantSlugForEmail(database(c.env.DB), email);
    if (!slug) throw new PageError(404, `No organization uses single sign-on for ${email.slice(email.indexOf('@') + 1)}.`, `no verified domain for ${email}`);
    return redirectToProvider(c, await tenantSetup(c, slug), returnTo, email);
  })

  .get('/callback', zValidator('query', callbackQuery, oidcHook), async (c) => {
    const { state } = c.req.valid('query');
    const cookieName = loginCookieName(state);
    const attemptCookie = getHostCookie(c, cookieName);
    clearHostCookie(c, cookieName);
    const signedIn = await completeSignIn(c.env, configOf(c.env), { url: new URL(c.req.url), state, attemptCookie, origin: origin(c), previousSessionId: sessionIdFromCookie(c) });
    setHostCookie(c, SESSION_COOKIE, signedIn.sessionId, signedIn.maxAgeSeconds);
    return c.redirect(signedIn.location, 302);
  })

  .get('/session', async (c) => {
    const view = await currentSession(c.env, sessionIdFromCookie(c));
    if (!view) return c.json({ error: 'unauthenticated' }, 401);
    return c.json(view);
  })

  // The live session as a short-lived signed token, for an API on another origin (README "Session tokens").
  .get('/token', async (c) => {
    c.header('cache-control', 'no-store');
    const issued = await issueSessionToken(c.env, configOf(c.env), sessionIdFromCookie(c), origin(c));
    if (!issued) return c.json({ error: 'unauthenticated' }, 401);
    return c.json(issued);
  })

  // The same token handed to a single-page or native client through a redirect (README "Session tokens"):
  // start sign-in with return_to=/auth/token/redirect?to=…; the token rides in the fragment, which no server sees.
  .get('/token/redirect', zValidator('query', tokenRedirectQuery, oidcHook), async (c) => {
    c.header('cache-control', 'no-store');
    const config = configOf(c.env);
    const { to, state } = c.req.valid('query');
    const target = safeTokenRedirect(to, config.sessionTokens.redirectUris);
    const issued = await issueSessionToken(c.env, config, sessionIdFromCookie(c), origin(c));
    const fragment = new URLSearchParams(issued ? { session_token: issued.token, token_type: 'Bearer', expires_at: issued.expiresAt } : { error: 'unauthenticated' });
    if (state !== undefined) fragment.set('state', state);
    c.header('referrer-policy', 'no-referrer');
    return c.redirect(`${target}#${fragment}`, 302);
  })

  // CSRF-safe: POST only, SameSite=Lax cookie, and an Origin (or Fetch Metadata) check.
  .post('/logout', async (c) => {
    if (!isSameOriginPost(c.req.raw.headers, origin(c))) throw new PageError(403, 'Sign-out must be requested from this site.', `cross-origin logout: origin=${c.req.header('origin') ?? '-'} sec-fetch-site=${c.req.header('sec-fetch-site') ?? '-'}`);
    const location = await endSession(c.env, configOf(c.env), sessionIdFromCookie(c), origin(c));
    clearHostCookie(c, SESSION_COOKIE);
    return c.redirect(location, 303);
  })

  .get('/logged-out', (c) => c.html(signedOutPage()))

  // Front-Channel Logout 1.0: the provider's hidden iframe (no cookie comes along); a 400 without iss or sid.
  .get('/:tenant/frontchannel-logout', zValidator('query', frontChannelQuery, oidcHook), async (c) => {
    const outcome = await frontChannelLogout(c.env, c.req.param('tenant'), c.req.valid('query'));
    return c.html(frontChannelLogoutPage(outcome.reference), 200, frontChannelHeaders(outcome.frameAncestor));
  })

  .get('/:tenant/login', zValidator('query', loginQuery, oidcHook), async (c) => {
    const { return_to, login_hint } = c.req.valid('query');
    const returnTo = safeReturnTo(return_to, origin(c));
    return redirectToProvider(c, await tenantSetup(c, c.req.param('tenant')), returnTo, login_hint);
  })

  // Third-party initiated login (OIDC Core §4): Okta's app tile with "Redirect to app to initiate login".
  .get('/:tenant/initiate', zValidator('query', initiateQuery, oidcHook), async (c) => {
    const { iss, login_hint, target_link_uri } = c.req.valid('query');
    const setup = await tenantSetup(c, c.req.param('tenant'));
    const issuer = requireConnection(setup).issuer;
    if (!initiatingIssuerMatches(iss, issuer)) {
      throw new PageError(400, 'This sign-in link came from an identity provider this organization does not use.', `initiate iss "${iss}" is not ${setup.tenant.slug}'s issuer "${issuer}"`);
    }
    return redirectToProvider(c, setup, safeTargetLink(target_link_uri, origin(c)), login_hint);
  });
