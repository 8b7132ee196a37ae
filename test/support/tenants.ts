/** Test fixtures: tenants and tokens made through the same store the CLI uses. */
import { env, SELF } from 'cloudflare:test';
import { database } from '../../src/db/client.ts';
import type { Env } from '../../src/env.ts';
import { accessAnnouncer } from '../../src/scim/port/tenant-reads.ts';
import { createScimToken, createTenant, requireTenant, enableScim } from '../../src/tenants/tenant-store.ts';

export const db = () => database(env.DB);

/** What a store call that narrows access tells: the tenant's object, as the Worker's routes tell it. */
export const announce = accessAnnouncer(env as unknown as Env);

/** The tenant `slug` as stored now: what a store call is handed, as the CLI and the routes resolve it at their edge. */
export const tenantRow = (slug: string) => requireTenant(db(), slug);

let counter = 0;
/** A unique slug per call, so tests in one file never collide. */
export function uniqueSlug(prefix = 't'): string {
  counter++;
  return `${prefix}-${counter}-${crypto.randomUUID().slice(0, 8)}`;
}

/** A tenant with SCIM enabled (unless told otherwise) and one live token. */
export async function tenantWithToken(options: { slug?: string; scimEnabled?: boolean; expiresInSeconds?: number } = {}) {
  const slug = options.slug ?? uniqueSlug();
  const tenant = await createTenant(db(), slug);
  const enabled = options.scimEnabled === false ? tenant : await enableScim(db(), tenant);
  const issued = await createScimToken(db(), enabled, 'test', options.expiresInSeconds);
  return { tenant, slug, token: issued.token, tokenId: issued.info.id, scim: scimClient(slug, issued.token) };
}

export type ScimClient = ReturnType<typeof scimClient>;

/** Requests to `/scim/v2/{slug}` with the token, as Okta sends them. */
export function scimClient(slug: string, token: string, authorization = `Bearer ${token}`) {
  const base = `https://edge.test/scim/v2/${slug}`;
  const request = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    SELF.fetch(`${base}${path}`, {
      method,
      headers: {
        authorization,
        accept: 'application/scim+json',
        ...(body === undefined ? {} : { 'content-type': 'application/scim+json; charset=utf-8' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
  return {
    base,
    request,
    get: (path: string, headers?: Record<string, string>) => request('GET', path, undefined, headers),
    post: (path: string, body: unknown, headers?: Record<string, string>) => request('POST', path, body, headers),
    put: (path: string, body: unknown, headers?: Record<string, string>) => request('PUT', path, body, headers),
    patch: (path: string, body: unknown, headers?: Record<string, string>) => request('PATCH', path, body, headers),
    delete: (path: string, headers?: Record<string, string>) => request('DELETE', path, undefined, headers),
  };
}

export { oktaNewUser } from './okta-bodies.ts';
