/**
 * Headers of pages that carry sign-in or setup state: never cached, never sending a Referer (codes
 * and keys travel in URLs), never framed unless the route itself names who may frame it.
 */
import { createMiddleware } from 'hono/factory';

/** Sets the headers after the route ran; a route's own `cache-control` or CSP is kept. */
export function privatePages(contentSecurityPolicy = "frame-ancestors 'none'") {
  return createMiddleware(async (c, next) => {
    await next();
    if (!c.res.headers.has('cache-control')) c.header('cache-control', 'no-store');
    c.header('referrer-policy', 'no-referrer');
    if (!c.res.headers.has('content-security-policy')) {
      c.header('content-security-policy', contentSecurityPolicy);
      c.header('x-frame-options', 'DENY');
    }
  });
}
