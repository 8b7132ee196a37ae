/** `setup-link create|list|revoke`: links that let a tenant's IT admin set up SSO and SCIM themselves. */
import { createSetupLink, listSetupLinks, revokeSetupLink, setupUrl } from '../../src/tenants/setup-links.ts';
import { durationFlag, keyValues, positional, table, tenantArg, type Command } from '../lib/command.ts';

const COLUMNS = ['id', 'createdAt', 'expiresAt', 'lastUsedAt', 'revokedAt', 'liveTokens'];

export const setupLinkCommands: Command[] = [
  {
    name: 'setup-link create',
    usage: 'setup-link create <slug> [--expires-in 7d]',
    summary: "issue a setup link for the tenant's IT admin (printed once; at most 30d)",
    async run(ctx, args) {
      const tenant = await tenantArg(ctx, args);
      const slug = tenant.slug;
      const { info, key } = await createSetupLink(ctx.db, tenant, durationFlag(args, 'expires-in'));
      const json = { id: info.id, url: setupUrl(ctx.publicBaseUrl, slug, key), expiresAt: info.expiresAt };
      return {
        json,
        text: `${keyValues(json)}\n\nSend the URL to ${slug}'s IT admin over a trusted channel: it is shown only this once and opens ${slug}'s SSO and SCIM setup until ${info.expiresAt}.\nRevoke it: npm run tenant -- setup-link revoke ${slug} ${info.id}`,
      };
    },
  },
  {
    name: 'setup-link list',
    usage: 'setup-link list <slug>',
    summary: "list a tenant's setup links (never the keys) with the live SCIM tokens each issued",
    async run(ctx, args) {
      const links = await listSetupLinks(ctx.db, await tenantArg(ctx, args));
      return { json: { links }, text: table(links, COLUMNS) };
    },
  },
  {
    name: 'setup-link revoke',
    usage: 'setup-link revoke <slug> <link-id>',
    summary: 'revoke a setup link and the SCIM tokens its page issued (both stop working on their next request)',
    async run(ctx, args) {
      const info = await revokeSetupLink(ctx.db, ctx.announceAccessChanged, await tenantArg(ctx, args), positional(args, 1, 'link-id'));
      return { json: info, text: `revoked setup link ${info.id} and the SCIM tokens it issued at ${info.revokedAt}` };
    },
  },
];
