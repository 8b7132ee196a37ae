/**
 * Our cookies: all `__Host-` (Secure, Path=/, no Domain), HttpOnly, SameSite=Lax. Browsers accept
 * Secure cookies from http://localhost and http://127.0.0.1 (loopback is a secure context), so
 * local development uses the very same attributes as production.
 */
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { parse } from 'hono/utils/cookie';

/** The session cookie, `__Host-eid_session`. */
export const SESSION_COOKIE = 'eid_session';
const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

const ATTRIBUTES = { prefix: 'host', path: '/', secure: true, httpOnly: true, sameSite: 'Lax' } as const;

/** Sets `__Host-{name}` for `maxAgeSeconds`; `Strict` for a cookie no cross-site navigation may carry (the setup page's). */
export function setHostCookie(c: Context, name: string, value: string, maxAgeSeconds: number, sameSite: 'Lax' | 'Strict' = 'Lax'): void {
  setCookie(c, name, value, { ...ATTRIBUTES, sameSite, maxAge: maxAgeSeconds });
}

/** The value of `__Host-{name}`, if sent. */
export function getHostCookie(c: Context, name: string): string | undefined {
  return getCookie(c, name, 'host');
}

/** The names (without `__Host-`) and values of the `__Host-` cookies the browser sent whose name starts with `stem`. */
export function hostCookiesStartingWith(c: Context, stem: string): { name: string; value: string }[] {
  const prefix = `__Host-${stem}`;
  return Object.entries(getCookie(c))
    .filter(([name]) => name.startsWith(prefix))
    .map(([name, value]) => ({ name: name.slice('__Host-'.length), value }));
}

/** Tells the browser to drop `__Host-{name}`. */
export function clearHostCookie(c: Context, name: string): void {
  deleteCookie(c, name, ATTRIBUTES);
}

const shapedLikeSessionId = (value: string | undefined) => (value !== undefined && SESSION_ID.test(value) ? value : undefined);

/** The session id the browser sent, if it has the shape of one of ours. */
export function sessionIdFromCookie(c: Context): string | undefined {
  return shapedLikeSessionId(getHostCookie(c, SESSION_COOKIE));
}

/** The session id in a `Cookie` header a host Worker passes on (src/binding/identity-api.ts), if it has the shape of one of ours. */
export function sessionIdFromCookieHeader(header: string | null | undefined): string | undefined {
  if (!header) return undefined;
  const name = `__Host-${SESSION_COOKIE}`;
  return shapedLikeSessionId(parse(header, name)[name]);
}
