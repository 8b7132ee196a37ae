import type { Context } from 'hono';
import { D1_RETRY_AFTER_SECONDS, isTransientD1Error } from '../common/d1-failures.ts';
import { ApiProblem, PageError, ScimError, StoreError, type StoreRefusal } from './errors.ts';

const SCIM_ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** RFC 7644 §3.12 error body; `status` is a string there. */
export function scimErrorResponse(status: number, scimType: string | undefined, detail: string, headers: Record<string, string> = {}): Response {
  const body = { schemas: [SCIM_ERROR_SCHEMA], status: String(status), ...(scimType ? { scimType } : {}), detail };
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/scim+json; charset=utf-8', ...headers },
  });
}

/** The statuses the management API answers with, and their phrases. */
const STATUS_TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  410: 'Gone',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

/** How the management API answers a store's refusal. */
const REFUSAL_STATUS: Record<StoreRefusal, number> = { invalid: 400, not_found: 404, conflict: 409, upstream: 502 };

/**
 * RFC 9457 problem details, as the management API answers every error: `type` stays `about:blank`,
 * so `title` is the status's phrase (RFC 9457 §4.2.1), derived here from the status.
 */
export function problemResponse(status: number, detail: string, headers: Record<string, string> = {}, extensions: Record<string, unknown> = {}): Response {
  const title = STATUS_TITLES[status] ?? `HTTP ${status}`;
  return new Response(JSON.stringify({ type: 'about:blank', title, status, detail, ...extensions }), {
    status,
    headers: { 'content-type': 'application/problem+json', 'cache-control': 'no-store', ...headers },
  });
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** A plain sign-in (or setup) error page carrying a reference id that matches the logged reason. */
export function oidcErrorPage(status: number, message: string, reference: string, title = 'Sign-in failed'): Response {
  const html = `<!doctype html><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<body style="font-family:system-ui;max-width:36rem;margin:4rem auto"><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>
<p style="color:#666">Reference: <code>${escapeHtml(reference)}</code></p></body>`;
  return new Response(html, {
    status,
    headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' },
  });
}

/**
 * The one place errors become responses: typed errors in their protocol's shape, anything else a
 * generic 500 (SCIM-shaped under /scim) with the cause only in the log.
 */
export function renderError(err: Error, c: Context): Response {
  // drizzle wraps what a D1 call throws (the SCIM token check's 401/403 among it) in its own error.
  const typed = err.cause instanceof ScimError ? err.cause : err;
  if (typed instanceof ScimError) return scimErrorResponse(typed.status, typed.scimType, typed.message, typed.headers);
  if (err instanceof ApiProblem) return problemResponse(err.status, err.message, err.headers, err.extensions);
  const reference = crypto.randomUUID();
  const underApi = new URL(c.req.url).pathname.startsWith('/api/');
  if (underApi && err instanceof StoreError) return problemResponse(REFUSAL_STATUS[err.refusal], err.message);
  if (isTransientD1Error(err)) {
    // D1 overloaded or unreachable even after our retries: a truthful "try again", never a half-done 500.
    console.warn(`[d1 ${reference}] ${err.message}`);
    if (new URL(c.req.url).pathname.startsWith('/scim/')) {
      return scimErrorResponse(503, undefined, `The directory database is busy; nothing was changed. Retry shortly (reference ${reference}).`, { 'retry-after': String(D1_RETRY_AFTER_SECONDS) });
    }
    if (underApi) return problemResponse(503, `The database is busy; nothing was changed. Retry shortly (reference ${reference}).`, { 'retry-after': String(D1_RETRY_AFTER_SECONDS) });
    const page = oidcErrorPage(503, 'The service is busy for a moment and could not finish this. Please try again in a few seconds.', reference, 'Please try again');
    page.headers.set('retry-after', String(D1_RETRY_AFTER_SECONDS));
    return page;
  }
  if (err instanceof PageError) {
    console.warn(`[oidc ${reference}] ${err.message}`);
    return oidcErrorPage(err.status, err.publicMessage, reference, err.title);
  }
  console.error(`[error ${reference}]`, err);
  if (new URL(c.req.url).pathname.startsWith('/scim/')) {
    return scimErrorResponse(500, undefined, `internal error (reference ${reference})`);
  }
  if (underApi) return problemResponse(500, `internal error (reference ${reference})`);
  return c.json({ error: 'internal_error', reference }, 500);
}
