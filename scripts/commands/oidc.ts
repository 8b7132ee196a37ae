/** `oidc set|show|test`: a tenant's OpenID Provider connection and the values its Okta admin pastes. */
import { readFileSync } from 'node:fs';
import { getConnectionInfo, setConnection, type ConnectionInfo, type ConnectionUpdate } from '../../src/oidc/connection-store.ts';
import { TOKEN_AUTH_METHODS, type TokenAuthMethod } from '../../src/oidc/connection-settings.ts';
import { oktaAppValues as appValues } from '../../src/oidc/okta-app-values.ts';
import { checkProvider } from '../../src/oidc/provider-check.ts';
import { setSessionTimeouts } from '../../src/tenants/session-settings.ts';
import { CliError, durationFlag, keyValues, stringFlag, tenantArg, type CliContext, type Command, type ParsedArgs } from '../lib/command.ts';

/** The Okta app values at the CLI's public base URL. */
const oktaAppValues = (ctx: CliContext, slug: string) => appValues(ctx.publicBaseUrl, slug);

const AUTH_ALIASES: Record<string, TokenAuthMethod> = { basic: 'client_secret_basic', post: 'client_secret_post', none: 'none' };

function onOff(args: ParsedArgs, name: string): boolean | undefined {
  const value = stringFlag(args, name);
  if (value === undefined) return undefined;
  if (value === 'on' || value === 'off') return value === 'on';
  throw new CliError(`--${name} takes on or off`);
}

/** `--client-secret -` reads the secret from stdin, so it stays out of shell history and `ps`. */
function clientSecretFlag(args: ParsedArgs): string | undefined {
  const value = stringFlag(args, 'client-secret');
  return value === '-' ? readFileSync(0, 'utf8').trim() : value;
}

function authMethodFlag(args: ParsedArgs): TokenAuthMethod | undefined {
  const value = stringFlag(args, 'token-auth');
  if (value === undefined) return undefined;
  const method = AUTH_ALIASES[value] ?? (TOKEN_AUTH_METHODS as readonly string[]).find((m) => m === value);
  if (!method) throw new CliError(`--token-auth takes basic, post or none (client_secret_basic, client_secret_post, none)`);
  return method as TokenAuthMethod;
}

function connectionText(ctx: CliContext, slug: string, info: ConnectionInfo): string {
  const { tenantId: _id, createdAt: _c, ...shown } = info;
  return `${keyValues(shown)}\n\nFor the Okta app (README: Set up Okta SSO):\n${keyValues(oktaAppValues(ctx, slug))}`;
}

/** The tenant named by the first positional and its connection, or a CliError saying how to set one. */
async function storedConnection(ctx: CliContext, args: ParsedArgs) {
  const tenant = await tenantArg(ctx, args);
  const info = await getConnectionInfo(ctx.db, tenant.id);
  if (!info) throw new CliError(`tenant "${tenant.slug}" has no OIDC connection (see: npm run tenant -- oidc set ${tenant.slug} --issuer … --client-id …)`);
  return { tenant, info };
}

export const oidcCommands: Command[] = [
  {
    name: 'oidc set',
    usage: 'oidc set <slug> --issuer https://acme.okta.com[/oauth2/default] --client-id … [--client-secret …|- | --no-client-secret] [--token-auth basic|post|none] [--scopes "openid email profile"] [--groups-claim groups] [--groups-filter ".*"] [--jit on|off] [--hmac-id-tokens on|off] [--trust-unverified-email on|off] [--link-preferred-username on|off] [--require-sso on|off]',
    summary: "create or change the tenant's OpenID Provider connection (secret sealed at rest)",
    async run(ctx, args) {
      const tenant = await tenantArg(ctx, args);
      const slug = tenant.slug;
      const update: ConnectionUpdate = {
        issuer: stringFlag(args, 'issuer'),
        clientId: stringFlag(args, 'client-id'),
        clientSecret: args.flags['no-client-secret'] === true ? null : clientSecretFlag(args),
        tokenAuthMethod: authMethodFlag(args),
        scopes: stringFlag(args, 'scopes'),
        groupsClaim: stringFlag(args, 'groups-claim'),
        groupsFilter: stringFlag(args, 'groups-filter'),
        jit: onOff(args, 'jit'),
        hmacIdTokens: onOff(args, 'hmac-id-tokens'),
        trustUnverifiedEmail: onOff(args, 'trust-unverified-email'),
        linkPreferredUsername: onOff(args, 'link-preferred-username'),
        requireSso: onOff(args, 'require-sso'),
      };
      const defined = Object.fromEntries(Object.entries(update).filter(([, v]) => v !== undefined)) as ConnectionUpdate;
      const info = await setConnection(ctx.db, await ctx.secretsKey(), tenant, defined, !ctx.remote);
      return { json: { slug, connection: info, okta: oktaAppValues(ctx, slug) }, text: `${connectionText(ctx, slug, info)}\n\nCheck it: npm run tenant -- oidc test ${slug}` };
    },
  },
  {
    name: 'oidc show',
    usage: 'oidc show <slug>',
    summary: "show the tenant's OpenID Provider connection (never the secret) and the Okta app values",
    async run(ctx, args) {
      const { tenant, info } = await storedConnection(ctx, args);
      return { json: { slug: tenant.slug, connection: info, okta: oktaAppValues(ctx, tenant.slug) }, text: connectionText(ctx, tenant.slug, info) };
    },
  },
  {
    name: 'oidc test',
    usage: 'oidc test <slug>',
    summary: "fetch the provider's discovery document and JWKS and report what sign-in would meet",
    async run(ctx, args) {
      const { tenant, info } = await storedConnection(ctx, args);
      const report = await checkProvider(info, !ctx.remote);
      const lines = [
        `issuer:        ${report.issuer}`,
        ...Object.entries(report.endpoints).map(([k, v]) => `${`${k}:`.padEnd(14)} ${v ?? '-'}`),
        `ID token algs: ${report.idTokenAlgs.join(', ') || '-'}`,
        `signing keys:  ${report.signingKeys.map((k) => `${k.kid ?? '(no kid)'} ${k.kty}${k.alg ? ` ${k.alg}` : ''}`).join('; ') || '-'}`,
        `RFC 9207 iss:  ${report.issParameter ? 'yes' : 'no'}`,
        ...report.notes.map((n) => `note: ${n}`),
        ...report.problems.map((p) => `PROBLEM: ${p}`),
      ];
      if (!report.ok) throw new CliError(`${lines.join('\n')}\n\n${tenant.slug}'s provider is not ready for sign-in`);
      return { json: report, text: `${lines.join('\n')}\n\nOK: ${tenant.slug} can sign in with ${report.issuer}` };
    },
  },
  {
    name: 'oidc sessions',
    usage: 'oidc sessions <slug> [--idle 8h] [--absolute 24h]',
    summary: "set how long the tenant's sign-in sessions last without activity and at most",
    async run(ctx, args) {
      const tenant = await setSessionTimeouts(ctx.db, await tenantArg(ctx, args), { idleSeconds: durationFlag(args, 'idle'), absoluteSeconds: durationFlag(args, 'absolute') });
      const json = { slug: tenant.slug, sessionIdleSeconds: tenant.sessionIdleSeconds, sessionAbsoluteSeconds: tenant.sessionAbsoluteSeconds };
      return { json, text: `${keyValues(json)}\n\nNew sign-ins get these timeouts; running sessions keep theirs.` };
    },
  },
];
