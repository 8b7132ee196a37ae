/**
 * Where a sign-in may land: only paths on our own origin, so `return_to` and `target_link_uri`
 * can never become an open redirect (OIDC Core §4: the RP MUST verify `target_link_uri`).
 */
import { PageError } from '../http/errors.ts';

const DEFAULT_LANDING = '/';
// Controls and backslashes: browsers treat `\` like `/` and drop tabs/newlines, both open `//host`.
const SUSPICIOUS = /[\u0000-\u001f\u007f\\]/;

function refuse(value: string, what: string): never {
  throw new PageError(400, 'This sign-in link points outside this site and was not followed.', `${what} "${value.slice(0, 200)}" is not a same-origin path`);
}

/** `return_to` as a same-origin path with query and fragment (default `/`); anything else is a 400. */
export function safeReturnTo(value: string | undefined, origin: string): string {
  if (value === undefined || value === '') return DEFAULT_LANDING;
  if (!value.startsWith('/') || value.startsWith('//') || SUSPICIOUS.test(value)) refuse(value, 'return_to');
  return landingPath(new URL(value, origin), origin, value, 'return_to');
}

/**
 * `to` of `/auth/token/redirect` when it is exactly one of the configured URIs (OAuth's exact
 * redirect-URI match: no prefix, no added path or query); anything else is a 400, never followed.
 */
export function safeTokenRedirect(value: string, allowed: readonly string[]): string {
  const match = allowed.find((uri) => uri === value);
  if (match === undefined) throw new PageError(400, 'This sign-in link points outside this site and was not followed.', `token redirect "${value.slice(0, 200)}" is not one of SESSION_TOKEN_REDIRECT_URIS`);
  return match;
}

/** The path of a `target_link_uri` (a URL, or a path) on our origin; another origin is a 400. */
export function safeTargetLink(value: string | undefined, origin: string): string {
  if (value === undefined || value === '') return DEFAULT_LANDING;
  if (value.startsWith('/')) return safeReturnTo(value, origin);
  if (SUSPICIOUS.test(value) || !URL.canParse(value)) refuse(value, 'target_link_uri');
  const url = new URL(value);
  if (url.username || url.password) refuse(value, 'target_link_uri');
  return landingPath(url, origin, value, 'target_link_uri');
}

/**
 * The path we will redirect to, checked after normalisation: `/.//evil.example` and
 * `https://us//evil.example` both normalise to `//evil.example`, which a browser reads as another host.
 */
function landingPath(url: URL, origin: string, value: string, what: string): string {
  const path = url.pathname + url.search + url.hash;
  if (url.origin !== origin || path.startsWith('//') || new URL(path, origin).origin !== origin) refuse(value, what);
  return path;
}
