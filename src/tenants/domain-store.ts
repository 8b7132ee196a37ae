/**
 * Email domains that route `GET /auth/login?email=` to a tenant, shared by the Worker and the CLI.
 * A domain routes only once verified: by a DNS TXT record only its owner can publish
 * (`_edge-identity.<domain>`, value derived from SECRETS_KEY, so nothing extra is stored), or by
 * the operator's explicit `--verified`.
 */
import { and, asc, eq, isNotNull } from 'drizzle-orm';
import { now, type Database } from '../db/client.ts';
import { tenantDomains, tenants } from '../db/schema.ts';
import type { Tenant } from './tenant-store.ts';
import { StoreError } from '../http/errors.ts';
import { auditInsert, type AuditActor } from '../audit/audit-log.ts';
import { authenticator } from '../common/secret-box.ts';

/** A claimed email domain; routes sign-ins once `verifiedAt` is set. */
export type TenantDomain = typeof tenantDomains.$inferSelect;

const HOSTNAME = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/;
/** `domain` lower-cased without a trailing dot, or a StoreError when it is not a hostname. */
export function normalizeDomain(domain: string): string {
  const normalized = domain.trim().toLowerCase().replace(/\.$/, '');
  if (!HOSTNAME.test(normalized)) throw new StoreError(`"${domain}" is not a domain name like acme.com`);
  return normalized;
}

/** The TXT record that proves control of `domain` for `tenantId`. */
export async function verificationRecord(secretsKey: string, tenantId: string, domain: string): Promise<{ name: string; value: string }> {
  const mac = await authenticator(secretsKey, 'domain-verification', `${tenantId}\0${domain}`);
  return { name: `_edge-identity.${domain}`, value: `edge-identity-verification=${mac}` };
}

async function requireDomainRow(db: Database, tenant: Tenant, domain: string): Promise<TenantDomain> {
  const row = await db.select().from(tenantDomains).where(eq(tenantDomains.domain, domain)).get();
  if (!row || row.tenantId !== tenant.id) throw new StoreError(`tenant "${tenant.slug}" has no domain ${domain}`, 'not_found', `domains list ${tenant.slug}`);
  return row;
}

/** Claims `domain` for `tenant`; verified at once only when the operator vouches (`verified`). */
export async function addDomain(db: Database, tenant: Tenant, rawDomain: string, verified: boolean, actor: AuditActor = 'cli'): Promise<TenantDomain> {
  const domain = normalizeDomain(rawDomain);
  const existing = await db.select().from(tenantDomains).where(eq(tenantDomains.domain, domain)).get();
  if (existing && existing.tenantId !== tenant.id) throw new StoreError(`${domain} already belongs to another tenant`, 'conflict');
  const at = now();
  const row: TenantDomain = { domain, tenantId: tenant.id, verifiedAt: verified ? at : (existing?.verifiedAt ?? null), createdAt: existing?.createdAt ?? at };
  await db.batch([
    db.insert(tenantDomains).values(row).onConflictDoUpdate({ target: tenantDomains.domain, set: { verifiedAt: row.verifiedAt } }),
    auditInsert(db, { tenantId: tenant.id, actor, action: 'domain.add', resourceType: 'Domain', resourceId: domain, outcome: 'success', detail: verified ? 'verified by operator' : 'pending DNS verification' }),
  ]);
  return row;
}

/** TXT strings at `name` through a DNS-over-HTTPS JSON resolver. */
export async function dohTxtLookup(name: string, dohUrl: string): Promise<string[]> {
  const url = new URL(dohUrl);
  url.searchParams.set('name', name);
  url.searchParams.set('type', 'TXT');
  let response: Response;
  try {
    response = await fetch(url, { headers: { accept: 'application/dns-json' }, signal: AbortSignal.timeout(10_000) });
  } catch (err) {
    throw new StoreError(`DNS lookup of ${name} failed: ${(err as Error).message}`, 'upstream');
  }
  if (!response.ok) throw new StoreError(`DNS lookup of ${name} failed: ${response.status}`, 'upstream');
  const body = (await response.json()) as { Answer?: { type: number; data: string }[] };
  // A TXT answer's data is one or more quoted strings; a long value is split across several.
  return (body.Answer ?? []).filter((a) => a.type === 16).map((a) => a.data.replace(/"\s*"/g, '').replace(/^"|"$/g, ''));
}

/** Marks `domain` verified when its TXT record is published; throws with the expected record otherwise. */
export async function verifyDomain(db: Database, secretsKey: string, tenant: Tenant, rawDomain: string, lookupTxt: (name: string) => Promise<string[]>, actor: AuditActor = 'cli'): Promise<TenantDomain> {
  const domain = normalizeDomain(rawDomain);
  const row = await requireDomainRow(db, tenant, domain);
  const record = await verificationRecord(secretsKey, tenant.id, domain);
  const found = await lookupTxt(record.name);
  if (!found.includes(record.value)) {
    throw new StoreError(`TXT ${record.name} does not hold "${record.value}" yet (found: ${found.length ? found.join(', ') : 'nothing'}); DNS changes can take a few minutes`, 'conflict');
  }
  const verifiedAt = row.verifiedAt ?? now();
  await db.batch([
    db.update(tenantDomains).set({ verifiedAt }).where(eq(tenantDomains.domain, domain)),
    auditInsert(db, { tenantId: tenant.id, actor, action: 'domain.verify', resourceType: 'Domain', resourceId: domain, outcome: 'success', detail: 'DNS TXT record found' }),
  ]);
  return { ...row, verifiedAt };
}

/** The tenant's domains, verified or not. */
export async function listDomains(db: Database, tenant: Tenant): Promise<TenantDomain[]> {
  return db.select().from(tenantDomains).where(eq(tenantDomains.tenantId, tenant.id)).orderBy(asc(tenantDomains.domain)).all();
}

/** Releases `domain` from `tenant`. */
export async function removeDomain(db: Database, tenant: Tenant, rawDomain: string, actor: AuditActor = 'cli'): Promise<TenantDomain> {
  const domain = normalizeDomain(rawDomain);
  const row = await requireDomainRow(db, tenant, domain);
  await db.batch([
    db.delete(tenantDomains).where(eq(tenantDomains.domain, domain)),
    auditInsert(db, { tenantId: tenant.id, actor, action: 'domain.remove', resourceType: 'Domain', resourceId: domain, outcome: 'success' }),
  ]);
  return row;
}

/** The tenant that has verified `domain` (as `normalizeDomain` gives it), if any. */
export async function tenantForDomain(db: Database, domain: string): Promise<{ id: string; slug: string } | undefined> {
  return db
    .select({ id: tenants.id, slug: tenants.slug })
    .from(tenantDomains)
    .innerJoin(tenants, eq(tenants.id, tenantDomains.tenantId))
    .where(and(eq(tenantDomains.domain, domain), isNotNull(tenantDomains.verifiedAt)))
    .get();
}

/** The slug of the tenant that has verified the domain of `email`, if any (none for a part after `@` that is no domain name). */
export async function tenantSlugForEmail(db: Database, email: string): Promise<string | undefined> {
  let domain: string;
  try {
    domain = normalizeDomain(email.slice(email.lastIndexOf('@') + 1));
  } catch {
    return undefined;
  }
  return (await tenantForDomain(db, domain))?.slug;
}
