/**
 * The management API's operations as data: each names its method, path, access, the zod schemas of
 * its path, query, body and answer, and its handler. `mountOperations` registers them on Hono with
 * those schemas as validators; `openApiDocument` (openapi.ts) describes the same list, so the
 * document cannot say what the code does not do.
 */
import { zValidator } from '@hono/zod-validator';
import type { Context, Hono, MiddlewareHandler } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { z } from 'zod';
import type { AuditActor } from '../audit/audit-log.ts';
import { readAtMost } from '../common/read-bounded.ts';
import { database, type Database } from '../db/client.ts';
import type { Env } from '../env.ts';
import { ApiProblem } from '../http/errors.ts';
import { apiHook } from '../http/validation.ts';
import type { Tenant } from '../tenants/tenant-store.ts';
import type { ApiKeyInfo } from './api-keys.ts';
import { tenantForKey, type ApiVariables } from './authenticate.ts';
import { idempotently } from './idempotency.ts';

export type ApiEnv = { Bindings: Env; Variables: ApiVariables };

/** `operator`: keys bound to no tenant only. `tenant`: also a key bound to the path's `{slug}`. */
export type Access = 'operator' | 'tenant';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** A path naming `{slug}` acts on that tenant: the handler gets it, checked against the key. */
type TenantOf<Path extends string> = Path extends `${string}{slug}${string}` ? Tenant : undefined;

/** What a handler gets: its validated inputs, the caller, and the tenant its path names. */
export interface Call<Path extends string, P, Q, B> {
  c: Context<ApiEnv>;
  db: Database;
  params: P;
  query: Q;
  body: B;
  key: ApiKeyInfo;
  /** Who the audit rows name: `api:<key id>`. */
  actor: AuditActor;
  /** The Worker's public origin, for the URLs an answer carries. */
  origin: string;
  tenant: TenantOf<Path>;
}

interface Spec<Path extends `/${string}`, P extends z.ZodObject | undefined, Q extends z.ZodObject | undefined, B extends z.ZodType | undefined, R extends z.ZodType | undefined> {
  method: Method;
  path: Path;
  /** The OpenAPI operationId. */
  id: string;
  tag: string;
  summary: string;
  description?: string;
  access: Access;
  params?: P;
  query?: Q;
  body?: B;
  /** The success status; 204 has no `response`. */
  status: 200 | 201 | 204;
  /** The answer's schema: what the handler returns is parsed by it, so nothing it does not name leaves. */
  response?: R;
  /** The request may carry an `Idempotency-Key` (idempotency.ts). */
  idempotent?: boolean;
  handle(call: Call<Path, Out<P>, Out<Q>, Out<B>>): Promise<R extends z.ZodType ? z.input<R> : void>;
}

type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

/** An operation with its types erased, as the list, the router and the document hold it. */
export interface Operation {
  method: Method;
  path: `/${string}`;
  id: string;
  tag: string;
  summary: string;
  description?: string;
  access: Access;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  status: 200 | 201 | 204;
  response?: z.ZodType;
  idempotent?: boolean;
  handle(call: Call<string, unknown, unknown, unknown>): Promise<unknown>;
}

/** Declares an operation; its handler is typed by its schemas. */
export function operation<Path extends `/${string}`, P extends z.ZodObject | undefined = undefined, Q extends z.ZodObject | undefined = undefined, B extends z.ZodType | undefined = undefined, R extends z.ZodType | undefined = undefined>(
  spec: Spec<Path, P, Q, B, R>,
): Operation {
  return spec as unknown as Operation;
}

/** Request bodies the management API reads at most (a role map or a connection is a few KiB). */
const MAX_BODY_BYTES = 64 * 1024;
/** A JSON media type, as Hono's validator recognises one (anything else it would read as `{}`). */
const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i;

/** The body as JSON, or a problem naming what is wrong with it (before the schema sees it). */
const jsonBody: MiddlewareHandler<ApiEnv> = async (c, next) => {
  const type = c.req.header('content-type') ?? '';
  // No body at all is an empty object: `POST …/setup-links` needs nothing said.
  if (type === '' && c.req.raw.body === null) {
    (c.req.bodyCache as Record<string, unknown>).text = Promise.resolve('{}');
    return next();
  }
  if (!JSON_MEDIA_TYPE.test(type.split(';')[0]!.trim())) throw new ApiProblem(415, `Send the body as JSON (content-type: application/json), not "${type || 'nothing'}".`);
  const raw = c.req.raw.body ? await readAtMost(c.req.raw.body, MAX_BODY_BYTES, () => new ApiProblem(413, `The body is larger than ${MAX_BODY_BYTES} bytes.`)) : new Uint8Array();
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(raw);
    JSON.parse(text);
  } catch {
    throw new ApiProblem(400, 'The body is not JSON.');
  }
  // zValidator reads the body through Hono's cache: it gets the text read here.
  (c.req.bodyCache as Record<string, unknown>).text = Promise.resolve(text);
  await next();
};

/** `/tenants/{slug}` as Hono writes it. */
const honoPath = (path: string) => path.replace(/\{(\w+)\}/g, ':$1');

/**
 * The key may do this, before anything of the request is read: an operator operation needs an
 * operator key, and a path's tenant must be the key's (so a foreign key learns nothing from a 400).
 */
function authorize(op: Operation): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const key = c.get('apiKey');
    if (op.access === 'operator' && key.tenantId !== null) throw new ApiProblem(403, `This API key is bound to one tenant; ${op.method.toUpperCase()} ${op.path} needs an operator key.`);
    if (op.path.includes('{slug}')) c.set('tenant', await tenantForKey(c.env, key, c.req.param('slug') ?? ''));
    await next();
  };
}

async function run(op: Operation, c: Context<ApiEnv>): Promise<Response> {
  const key = c.get('apiKey');
  const valid = (c.req.valid as (target: string) => unknown).bind(c.req);
  const params = (op.params ? valid('param') : {}) as Record<string, string>;
  const tenant = c.get('tenant');
  const call: Call<string, unknown, unknown, unknown> = {
    c,
    db: database(c.env.DB),
    params,
    query: op.query ? valid('query') : undefined,
    body: op.body ? valid('json') : undefined,
    key,
    actor: `api:${key.id}`,
    origin: new URL(c.req.url).origin,
    tenant: tenant as TenantOf<string>,
  };
  const answer = async () => {
    const result = await op.handle(call);
    return { status: op.status, body: op.response ? op.response.parse(result) : null };
  };
  const { status, body, replayed } = op.idempotent ? await idempotently(call.db, key, c.req.raw, call.body, answer) : { ...(await answer()), replayed: false };
  if (replayed) c.header('idempotent-replayed', 'true');
  return status === 204 ? c.body(null, 204) : c.json(body, status as ContentfulStatusCode);
}

/** Registers every operation: its access check, then its validators (path, query, body), then its handler. */
export function mountOperations(app: Hono<ApiEnv>, operations: readonly Operation[]): void {
  for (const op of operations) {
    const handlers: MiddlewareHandler<ApiEnv>[] = [authorize(op)];
    if (op.params) handlers.push(zValidator('param', op.params, apiHook) as unknown as MiddlewareHandler<ApiEnv>);
    if (op.query) handlers.push(zValidator('query', op.query, apiHook) as unknown as MiddlewareHandler<ApiEnv>);
    if (op.body) handlers.push(jsonBody, zValidator('json', op.body, apiHook) as unknown as MiddlewareHandler<ApiEnv>);
    app.on(op.method.toUpperCase(), [honoPath(op.path)], ...handlers, (c: Context<ApiEnv>) => run(op, c));
  }
}
