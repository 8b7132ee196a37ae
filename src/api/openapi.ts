/**
 * The management API's OpenAPI 3.1 document, built from the operation list the router mounts: its
 * paths, parameters, bodies and answers are the zod schemas that validate and shape them, turned
 * into JSON Schema 2020-12 (OpenAPI 3.1's dialect) by zod itself. Schemas named with `.meta({ id })`
 * become `components.schemas`.
 */
import { z } from 'zod';
import type { Operation } from './operation.ts';

type Json = Record<string, unknown>;

const PROBLEM: Json = {
  type: 'object',
  description: 'RFC 9457 problem details: `detail` says what is wrong with this request (the field, when one is).',
  properties: { type: { type: 'string' }, title: { type: 'string' }, status: { type: 'integer' }, detail: { type: 'string' } },
  required: ['type', 'title', 'status', 'detail'],
};

/** The errors every operation may answer, besides its own success. */
const ERRORS: Record<string, string> = {
  '400': 'The request is malformed: a field, the query or the body (the detail names it).',
  '401': 'No API key, or one unknown or revoked.',
  '403': 'The key is bound to another tenant, or the operation needs an operator key.',
  '404': 'No such tenant or item.',
  '409': 'The change conflicts with what is stored (taken, already revoked, below what is held, not verified yet).',
};

class Components {
  readonly schemas: Record<string, Json> = {};

  /** `schema` as JSON Schema, its named parts moved into components. */
  schema(schema: z.ZodType, io: 'input' | 'output'): Json {
    const { $schema: _dialect, $defs, ...json } = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as Json & { $defs?: Record<string, Json> };
    const named = (value: Json) => JSON.parse(JSON.stringify(value).replaceAll('"#/$defs/', '"#/components/schemas/')) as Json;
    for (const [id, def] of Object.entries($defs ?? {})) {
      const existing = this.schemas[id];
      const shaped = named(def);
      // One name, one shape: a schema named twice with different inputs and outputs would lie in one place.
      if (existing && JSON.stringify(existing) !== JSON.stringify(shaped)) throw new Error(`schema "${id}" differs between its uses`);
      this.schemas[id] = shaped;
    }
    return named(json);
  }
}

/** Path or query parameters from an object schema's fields. */
function parameters(components: Components, where: 'path' | 'query', object: z.ZodObject | undefined): Json[] {
  if (!object) return [];
  return Object.entries(object.shape).map(([name, field]) => {
    const { description, ...schema } = components.schema(field as z.ZodType, 'input');
    const required = where === 'path' || !(field as z.ZodType).safeParse(undefined).success;
    return { name, in: where, required, ...(description ? { description } : {}), schema };
  });
}

function operationObject(components: Components, op: Operation): Json {
  const success: Json =
    op.status === 204
      ? { description: 'Done; no content.' }
      : { description: op.summary, content: { 'application/json': { schema: op.response ? components.schema(op.response, 'output') : {} } } };
  const idempotencyHeader = { name: 'Idempotency-Key', in: 'header', required: false, description: 'Makes a retry safe: the same key and body answer the first response again (kept 24 hours); the same key with another body is 422.', schema: { type: 'string', minLength: 1, maxLength: 255 } };
  return {
    operationId: op.id,
    tags: [op.tag],
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    ...(op.access === 'operator' ? { 'x-requires': 'an operator key (bound to no tenant)' } : {}),
    parameters: [...parameters(components, 'path', op.params), ...parameters(components, 'query', op.query), ...(op.idempotent ? [idempotencyHeader] : [])],
    ...(op.body ? { requestBody: { required: true, content: { 'application/json': { schema: components.schema(op.body, 'input') } } } } : {}),
    responses: {
      [String(op.status)]: success,
      ...Object.fromEntries(Object.keys(ERRORS).map((status) => [status, { $ref: `#/components/responses/${status}` }])),
      ...(op.idempotent ? { '422': { $ref: '#/components/responses/422' } } : {}),
      default: { $ref: '#/components/responses/default' },
    },
  };
}

const problemResponse = (description: string) => ({ description, content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } });

/** The document for `operations`, served at `origin`. */
export function openApiDocument(operations: readonly Operation[], origin: string, version: string): Json {
  const components = new Components();
  const paths: Record<string, Record<string, Json>> = {};
  for (const op of operations) (paths[op.path] ??= {})[op.method] = operationObject(components, op);
  paths['/openapi.json'] = {
    get: { operationId: 'getOpenApiDocument', tags: ['About'], summary: 'This document', security: [], responses: { '200': { description: 'The OpenAPI 3.1 document.', content: { 'application/json': { schema: { type: 'object' } } } } } },
  };
  return {
    openapi: '3.1.1',
    info: {
      title: 'Edge Identity management API',
      version,
      description: 'Onboard tenants, hand out setup links and SCIM tokens, configure sign-in, and read the directory and its changes. Errors are RFC 9457 problem details.',
    },
    servers: [{ url: `${origin}/api/v1` }],
    security: [{ apiKey: [] }],
    tags: [...new Set(operations.map((op) => op.tag))].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: '`eid_api_…`, from `npm run tenant -- api-key create`; one bound to a tenant reaches only that tenant.' } },
      schemas: { Problem: PROBLEM, ...components.schemas },
      responses: {
        ...Object.fromEntries(Object.entries(ERRORS).map(([status, description]) => [status, problemResponse(description)])),
        '422': problemResponse('The Idempotency-Key was used for a different request.'),
        default: problemResponse('Any other failure.'),
      },
    },
  };
}
