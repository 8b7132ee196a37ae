/** The CSRF check for state-changing requests from our own pages (logout, the setup page), beside SameSite cookies. */

/**
 * Whether a POST comes from our own pages. Fetch Metadata decides when the browser sends it:
 * our pages send no Referer, and a form posted under `Referrer-Policy: no-referrer` carries
 * `Origin: null`, so only `Sec-Fetch-Site: same-origin` tells it apart from a cross-site post.
 * Without Fetch Metadata the `Origin` must equal ours; a request carrying neither is refused.
 */
export function isSameOriginPost(headers: Headers, origin: string): boolean {
  const requestOrigin = headers.get('origin');
  if (requestOrigin !== null && requestOrigin !== 'null' && requestOrigin !== origin) return false;
  const fetchSite = headers.get('sec-fetch-site');
  if (fetchSite !== null) return fetchSite === 'same-origin';
  return requestOrigin === origin;
}
