/** Request hygiene for SCIM (RFC 7644 §3.1, §3.8): content types, body size, JSON parsing. */
import type { Context } from 'hono';
import { ScimError } from '../../http/errors.ts';
import { readAtMost } from '../../common/read-bounded.ts';
import { MAX_JSON_DEPTH } from '../limits.ts';

/** Bodies above this are refused with 413 before they are read (documented in the README). */
export const MAX_BODY_BYTES = 1024 * 1024;

const JSON_TYPES = /^application\/(scim\+)?json\s*(;.*)?$/i;

/** The parsed JSON body of a POST/PUT/PATCH: 415 for a non-JSON type, 413 when too large, 400 when not JSON. */
export async function readJsonBody(c: Context): Promise<unknown> {
  const type = c.req.header('content-type');
  if (type && !JSON_TYPES.test(type.trim())) {
    throw new ScimError(415, undefined, `Unsupported Content-Type "${type}": send application/scim+json or application/json.`);
  }
  const length = c.req.header('content-length');
  const declared = length !== undefined && /^\d+$/.test(length) ? Number(length) : undefined;
  if (declared !== undefined && declared > MAX_BODY_BYTES) throw tooLarge();
  const body = c.req.raw.body;
  if (!body) throw new ScimError(400, 'invalidSyntax', 'The request has no body.');
  // A declared length is what the HTTP layer reads as the body, so the runtime reads it whole; a
  // body of undeclared length (chunked) is counted as it streams, and cut off past the limit.
  const text = declared !== undefined ? await c.req.raw.text() : new TextDecoder().decode(await readAtMost(body, MAX_BODY_BYTES, tooLarge));
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ScimError(400, 'invalidSyntax', `The body is not valid JSON: ${(err as Error).message}`);
  }
  if (depthExceeds(parsed, MAX_JSON_DEPTH)) throw new ScimError(400, 'invalidSyntax', `The body nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep.`);
  return parsed;
}

/** Whether `value` nests arrays/objects deeper than `limit`, walked without recursion (no stack to overflow). */
export function depthExceeds(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth >= limit) return true;
    for (const child of Array.isArray(node) ? node : Object.values(node)) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return false;
}

function tooLarge(): ScimError {
  return new ScimError(413, undefined, `The request body exceeds ${MAX_BODY_BYTES} bytes (maxPayloadSize).`);
}


/** A SCIM JSON response (`application/scim+json`, RFC 7644 §8.1). */
export function scimJson(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/scim+json; charset=utf-8', ...headers },
  });
}

/** 405 with `Allow` for a method the endpoint does not serve. */
export function methodNotAllowed(allow: string): never {
  throw new ScimError(405, undefined, `Method not allowed here; allowed: ${allow}.`, { allow });
}
