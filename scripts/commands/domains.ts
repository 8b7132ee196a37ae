/** `domains add|verify|list|remove`: email domains that send `GET /auth/login?email=` to a tenant. */
import { DEFAULT_DOH_URL } from '../../src/config.ts';
import { addDomain, dohTxtLookup, listDomains, removeDomain, verificationRecord, verifyDomain, type TenantDomain } from '../../src/tenants/domain-store.ts';
import { keyValues, positional, table, tenantArg, type CliContext, type Command } from '../lib/command.ts';

/** The DNS-over-HTTPS resolver for `domains verify` (EDGE_IDENTITY_DOH_URL overrides, e.g. an internal resolver). */
function dohUrl(): string {
  return process.env.EDGE_IDENTITY_DOH_URL ?? DEFAULT_DOH_URL;
}

async function withRecord(ctx: CliContext, tenantId: string, row: TenantDomain) {
  const record = await verificationRecord(await ctx.secretsKey(), tenantId, row.domain);
  return { domain: row.domain, verified: row.verifiedAt !== null, verifiedAt: row.verifiedAt, txtName: record.name, txtValue: record.value };
}

export const domainCommands: Command[] = [
  {
    name: 'domains add',
    usage: 'domains add <slug> <domain> [--verified]',
    summary: 'claim an email domain for the tenant; it routes sign-ins once its DNS TXT record is verified (or --verified)',
    async run(ctx, args) {
      const tenant = await tenantArg(ctx, args);
      const slug = tenant.slug;
      const row = await addDomain(ctx.db, tenant, positional(args, 1, 'domain'), args.flags.verified === true);
      const json = await withRecord(ctx, tenant.id, row);
      const next = json.verified
        ? `Sign-in by email: ${ctx.publicBaseUrl}/auth/login?email=someone@${row.domain}`
        : `Ask the customer to publish this DNS record, then run: npm run tenant -- domains verify ${slug} ${row.domain}\n  ${json.txtName}  TXT  "${json.txtValue}"`;
      return { json, text: `${keyValues(json)}\n\n${next}` };
    },
  },
  {
    name: 'domains verify',
    usage: 'domains verify <slug> <domain>',
    summary: 'check the domain’s DNS TXT record (DNS over HTTPS) and mark it verified',
    async run(ctx, args) {
      const tenant = await tenantArg(ctx, args);
      const row = await verifyDomain(ctx.db, await ctx.secretsKey(), tenant, positional(args, 1, 'domain'), (name) => dohTxtLookup(name, dohUrl()));
      const json = await withRecord(ctx, row.tenantId, row);
      return { json, text: `${row.domain} verified for ${tenant.slug} at ${row.verifiedAt}` };
    },
  },
  {
    name: 'domains list',
    usage: 'domains list <slug>',
    summary: "list the tenant's email domains and their verification records",
    async run(ctx, args) {
      const tenant = await tenantArg(ctx, args);
      const domains = await Promise.all((await listDomains(ctx.db, tenant)).map((row) => withRecord(ctx, tenant.id, row)));
      return { json: { domains }, text: table(domains, ['domain', 'verified', 'verifiedAt', 'txtName', 'txtValue']) };
    },
  },
  {
    name: 'domains remove',
    usage: 'domains remove <slug> <domain>',
    summary: 'release an email domain',
    async run(ctx, args) {
      const tenant = await tenantArg(ctx, args);
      const row = await removeDomain(ctx.db, tenant, positional(args, 1, 'domain'));
      return { json: { removed: row.domain }, text: `removed ${row.domain} from ${tenant.slug}` };
    },
  },
];
