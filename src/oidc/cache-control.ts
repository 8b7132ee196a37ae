/** How long to keep a provider's discovery document or JWKS, from its Cache-Control (RFC 9111 §5.2.2). */

/** Seconds to cache `response`: its max-age (0 for no-store/no-cache) clamped to [min, max], else `fallback`. */
export function cacheSeconds(response: Response, fallback: number, min: number, max: number): number {
  const header = response.headers.get('cache-control')?.toLowerCase() ?? '';
  let seconds = fallback;
  if (/(?:^|,)\s*(?:no-store|no-cache)\b/.test(header)) seconds = 0;
  else {
    const match = /(?:^|,)\s*(?:s-maxage|max-age)\s*=\s*"?(\d+)"?/.exec(header);
    if (match) seconds = Number(match[1]);
  }
  return Math.min(max, Math.max(min, seconds));
}
