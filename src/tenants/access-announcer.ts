/**
 * Tells a tenant's object that D1 narrowed who may call the tenant (a token revoked, SCIM turned
 * off, the tenant deleted). The object answers reads from what it last read of the tenant's tokens
 * (src/tenant-object/access-copy.ts), so every store function that narrows access takes one and
 * calls it once D1 has committed: no caller can narrow access without telling.
 */
export type AccessAnnouncer = (tenantId: string) => Promise<void>;
