/**
 * Who may read the tenant's directory from its object: the tenant's SCIM tokens and whether SCIM
 * is on, as last read from D1. Held in memory only, so a new instance of the object always starts
 * from D1; every path that revokes a token, disables SCIM or deletes the tenant tells the object
 * after D1 committed (`accessChanged`), and the next read loads it again. A token this copy does
 * not know (created since it loaded) makes it load once more before it refuses.
 */
import { eq } from 'drizzle-orm';
import { database, now } from '../db/client.ts';
import { scimTokens, tenants } from '../db/schema.ts';
import type { TokenCheck } from '../scim/auth/token-guard.ts';
import { constantTimeEqual } from '../tenants/tokens.ts';

interface TokenState {
  hash: string;
  revokedAt: string | null;
  expiresAt: string | null;
}

interface Access {
  /** Whether the tenant is deleted or being deleted (src/tenants/tenant-deletion.ts). */
  gone: boolean;
  slug: string | undefined;
  scimEnabled: boolean;
  tokens: Map<string, TokenState>;
}

export class AccessCopy {
  readonly #d1: D1Database;
  readonly #tenantId: string;
  #loaded: Promise<Access> | undefined;

  constructor(d1: D1Database, tenantId: string) {
    this.#d1 = d1;
    this.#tenantId = tenantId;
  }

  /** Whether `check` names a live token of this tenant, SCIM on and the slug the caller used. */
  async allows(check: TokenCheck): Promise<boolean> {
    const loaded = this.#loaded;
    if (loaded && live(await loaded, check)) return true;
    // Loaded before this call: the token may be newer than the copy, so read D1 once more.
    if (loaded && this.#loaded === loaded) this.#loaded = undefined;
    this.#loaded ??= this.#load();
    return live(await this.#loaded, check);
  }

  /** Forgets what it read and reads D1 again: whether the tenant is gone (deleted, or being deleted). */
  async reload(): Promise<{ gone: boolean }> {
    this.#loaded = this.#load();
    return { gone: (await this.#loaded).gone };
  }

  async #load(): Promise<Access> {
    const db = database(this.#d1);
    const [tenant, tokens] = await db.batch([
      db.select({ slug: tenants.slug, scimEnabled: tenants.scimEnabled, deletingSince: tenants.deletingSince }).from(tenants).where(eq(tenants.id, this.#tenantId)),
      db.select({ id: scimTokens.id, hash: scimTokens.tokenHash, revokedAt: scimTokens.revokedAt, expiresAt: scimTokens.expiresAt }).from(scimTokens).where(eq(scimTokens.tenantId, this.#tenantId)),
    ]);
    return { gone: !tenant[0] || tenant[0].deletingSince !== null, slug: tenant[0]?.slug, scimEnabled: tenant[0]?.scimEnabled === true, tokens: new Map(tokens.map((t) => [t.id, t])) };
  }
}

function live(access: Access, check: TokenCheck): boolean {
  const token = access.tokens.get(check.tokenId);
  if (!token || !constantTimeEqual(token.hash, check.tokenHash)) return false;
  if (token.revokedAt !== null || (token.expiresAt !== null && token.expiresAt <= now())) return false;
  return access.scimEnabled && access.slug === check.slug;
}
