/** The CSRF check for state-changing sign-in requests (logout), beside the SameSite=Lax cookie. */

/**
 * Whether a POST comes from our own pages: its `Origin` equals ours, or — for browsers that send
 * no Origin — Fetch Metadata says same-origin. A request carrying neither is refused.
 */
export function isSameOriginPost(headers: Headers, origin: string): boolean {
  const requestOrigin = headers.get('origin');
  if (requestOrigin !== null) return requestOrigin === origin;
  return headers.get('sec-fetch-site') === 'same-origin';
}
