/**
 * A hand-rolled OpenID Provider for the cases a real one will not produce: each scenario is an
 * issuer (`{base}/s/{id}`) with knobs for discovery, the authorization response, the ID token
 * (claims, alg, kid, signing key), userinfo and key rotation. Tests create and steer scenarios
 * over HTTP (`POST /__scenarios`), so workerd tests can use it while it runs in Node.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { base64url, exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { closeServer, listenOnLoopback, readBody } from './node-http.ts';

/** Everything a test can turn; each knob defaults to a well-behaved provider. */
export interface FakeOpKnobs {
  clientId?: string;
  clientSecret?: string;
  /** Claims of the signed-in person (ID token and userinfo); `sub` defaults to an Okta-like id. */
  account?: Record<string, unknown>;
  /** The `issuer` the discovery document claims (default: the scenario's real issuer). */
  discoveryIssuer?: string;
  /** `id_token_signing_alg_values_supported` in discovery (default `["RS256"]`). */
  signingAlgs?: string[];
  /** Whether discovery announces RFC 9207 support (default true). */
  announceIssParameter?: boolean;
  /** The `iss` sent back on the authorization response: correct (default), a wrong one, or none. */
  issParameter?: 'correct' | 'wrong' | 'omit';
  /** ID token overrides: claim values (null removes the claim), header alg/kid, signing key. */
  idToken?: {
    claims?: Record<string, unknown>;
    alg?: 'RS256' | 'none' | 'HS256';
    /** null leaves `kid` out of the header. */
    kid?: string | null;
    /** `unpublished`: a key whose public half is not in the JWKS (a forged signature). */
    signWith?: 'current' | 'unpublished';
    /** The secret an HS256 token is signed with (default: the client secret, as OIDC Core §10.1 says). */
    hmacSecret?: string;
  };
  /** Userinfo overrides (claim values; null removes). */
  userinfo?: Record<string, unknown>;
  /** Whether discovery lists an end_session_endpoint (default true). */
  endSession?: boolean;
  /** Whether the ID token carries the account's email and groups (default true; false = userinfo only). */
  claimsInIdToken?: boolean;
  /** Bytes of padding in the JWKS response (a provider answering far more than a key set needs). */
  jwksPaddingBytes?: number;
  /** `scopes_supported` in discovery (default: not announced). */
  scopesSupported?: string[];
  /** Like Okta's org server: the `groups` claim comes (ID token and userinfo) only when the `groups` scope was asked for. */
  groupsNeedScope?: boolean;
}

/** What a scenario has seen, for assertions. */
export interface FakeOpLog {
  tokenRequests: number;
  jwksFetches: number;
  userinfoRequests: number;
  lastAuthorizeParams: Record<string, string>;
}

interface KeyPair {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

interface Scenario {
  id: string;
  issuer: string;
  knobs: FakeOpKnobs;
  keys: KeyPair[];
  unpublished: KeyPair;
  codes: Map<string, { clientId: string; redirectUri: string; nonce: string; challenge: string; used: boolean }>;
  log: FakeOpLog;
}

async function newKey(kid: string): Promise<KeyPair> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function withOverrides(base: Record<string, unknown>, overrides: Record<string, unknown> | undefined): Record<string, unknown> {
  const result = { ...base };
  for (const [k, v] of Object.entries(overrides ?? {})) {
    if (v === null) delete result[k];
    else result[k] = v;
  }
  return result;
}

/** RFC 6749 §2.3.1: Basic credentials are form-urlencoded before base64. */
function clientCredentials(req: IncomingMessage, form: URLSearchParams): { id?: string; secret?: string } {
  const header = req.headers.authorization;
  if (header?.startsWith('Basic ')) {
    const [id, secret] = Buffer.from(header.slice(6), 'base64').toString().split(':');
    const decode = (v: string | undefined) => v && decodeURIComponent(v.replace(/\+/g, ' '));
    return { id: decode(id), secret: decode(secret) };
  }
  return { id: form.get('client_id') ?? undefined, secret: form.get('client_secret') ?? undefined };
}

export interface RunningFakeOp {
  /** `http://127.0.0.1:{port}` */
  base: string;
  close(): Promise<void>;
}

/** Starts the fake provider on 127.0.0.1 (ephemeral port). */
export async function startFakeOp(): Promise<RunningFakeOp> {
  const scenarios = new Map<string, Scenario>();
  const server = createServer();
  const base = `http://127.0.0.1:${await listenOnLoopback(server)}`;

  /** The account's claims as the last authorization request's scopes allow. */
  function scopedClaims(s: Scenario, account: Record<string, unknown>): Record<string, unknown> {
    if (!s.knobs.groupsNeedScope || (s.log.lastAuthorizeParams.scope ?? '').split(' ').includes('groups')) return account;
    const { groups: _groups, ...rest } = account;
    return rest;
  }

  async function idToken(s: Scenario, code: { clientId: string; nonce: string }): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const account = s.knobs.account ?? {};
    const profile = s.knobs.claimsInIdToken === false ? { sub: account.sub } : scopedClaims(s, account);
    const claims = withOverrides({ iss: s.issuer, aud: code.clientId, iat: now, exp: now + 300, auth_time: now, nonce: code.nonce, ...profile }, s.knobs.idToken?.claims);
    const alg = s.knobs.idToken?.alg ?? 'RS256';
    if (alg === 'none') return `${base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${base64url.encode(JSON.stringify(claims))}.`;
    if (alg === 'HS256') {
      return new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(s.knobs.idToken?.hmacSecret ?? s.knobs.clientSecret ?? 'fake-secret-0123456789-abcdefghijklmn'));
    }
    const current = s.keys[s.keys.length - 1]!;
    const key = s.knobs.idToken?.signWith === 'unpublished' ? s.unpublished : current;
    const kid = s.knobs.idToken?.kid === undefined ? current.kid : s.knobs.idToken.kid;
    return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', ...(kid === null ? {} : { kid }) }).sign(key.privateKey);
  }

  async function handleScenario(s: Scenario, path: string, url: URL, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const clientId = s.knobs.clientId ?? 'fake-client';
    switch (path) {
      case '/.well-known/openid-configuration':
        return json(res, 200, {
          issuer: s.knobs.discoveryIssuer ?? s.issuer,
          authorization_endpoint: `${s.issuer}/authorize`,
          token_endpoint: `${s.issuer}/token`,
          userinfo_endpoint: `${s.issuer}/userinfo`,
          jwks_uri: `${s.issuer}/jwks`,
          ...(s.knobs.endSession === false ? {} : { end_session_endpoint: `${s.issuer}/logout` }),
          response_types_supported: ['code'],
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: s.knobs.signingAlgs ?? ['RS256'],
          code_challenge_methods_supported: ['S256'],
          token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
          authorization_response_iss_parameter_supported: s.knobs.announceIssParameter ?? true,
          ...(s.knobs.scopesSupported ? { scopes_supported: s.knobs.scopesSupported } : {}),
        });
      case '/jwks':
        s.log.jwksFetches++;
        // A long max-age, like real providers: only the unknown-kid refetch can pick up a rotation.
        return json(res, 200, { keys: s.keys.map((k) => k.publicJwk), ...(s.knobs.jwksPaddingBytes ? { padding: 'x'.repeat(s.knobs.jwksPaddingBytes) } : {}) }, { 'cache-control': 'public, max-age=3600' });
      case '/authorize': {
        const p = Object.fromEntries(url.searchParams);
        s.log.lastAuthorizeParams = p;
        const redirect = new URL(p.redirect_uri!);
        const code = randomUUID();
        s.codes.set(code, { clientId: p.client_id!, redirectUri: p.redirect_uri!, nonce: p.nonce!, challenge: p.code_challenge!, used: false });
        redirect.searchParams.set('code', code);
        if (p.state) redirect.searchParams.set('state', p.state);
        const iss = s.knobs.issParameter ?? 'correct';
        if (iss !== 'omit') redirect.searchParams.set('iss', iss === 'correct' ? s.issuer : `${base}/s/evil`);
        res.writeHead(302, { location: redirect.href });
        return void res.end();
      }
      case '/token': {
        s.log.tokenRequests++;
        const form = new URLSearchParams(await readBody(req));
        const creds = clientCredentials(req, form);
        if (creds.id !== clientId || (s.knobs.clientSecret !== undefined && creds.secret !== s.knobs.clientSecret)) return json(res, 401, { error: 'invalid_client' });
        const code = s.codes.get(form.get('code') ?? '');
        if (!code || code.used) return json(res, 400, { error: 'invalid_grant', error_description: 'code unknown or already used' });
        code.used = true;
        const challenge = base64url.encode(createHash('sha256').update(form.get('code_verifier') ?? '').digest());
        if (challenge !== code.challenge) return json(res, 400, { error: 'invalid_grant', error_description: 'PKCE verification failed' });
        if (form.get('redirect_uri') !== code.redirectUri) return json(res, 400, { error: 'invalid_grant', error_description: 'redirect_uri mismatch' });
        return json(res, 200, { access_token: `at-${randomUUID()}`, token_type: 'Bearer', expires_in: 3600, scope: 'openid email profile', id_token: await idToken(s, code) });
      }
      case '/userinfo':
        s.log.userinfoRequests++;
        if (!req.headers.authorization?.startsWith('Bearer ')) return json(res, 401, { error: 'invalid_token' });
        return json(res, 200, withOverrides(scopedClaims(s, s.knobs.account ?? {}), s.knobs.userinfo));
      default:
        return json(res, 404, { error: 'not_found', path });
    }
  }

  async function handleControl(path: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (path === '/__scenarios' && req.method === 'POST') {
      const id = randomUUID().slice(0, 8);
      const knobs = JSON.parse((await readBody(req)) || '{}') as FakeOpKnobs;
      knobs.account = { sub: `00u${randomUUID().replace(/-/g, '').slice(0, 17)}`, ...knobs.account };
      const s: Scenario = { id, issuer: `${base}/s/${id}`, knobs, keys: [await newKey(`${id}-k1`)], unpublished: await newKey(`${id}-k1`), codes: new Map(), log: { tokenRequests: 0, jwksFetches: 0, userinfoRequests: 0, lastAuthorizeParams: {} } };
      scenarios.set(id, s);
      return json(res, 201, { id, issuer: s.issuer, sub: knobs.account.sub });
    }
    const match = /^\/__scenarios\/([^/]+)(\/rotate|\/log)?$/.exec(path);
    const s = match && scenarios.get(match[1]!);
    if (!s) return json(res, 404, { error: 'no such scenario' });
    if (match![2] === '/log') return json(res, 200, s.log);
    if (match![2] === '/rotate') {
      // The new key replaces the old one in the JWKS, as after a provider's key rollover.
      s.keys = [await newKey(`${s.id}-k${s.keys.length + 1}-${randomUUID().slice(0, 4)}`)];
      return json(res, 200, { kid: s.keys[0]!.kid });
    }
    s.knobs = { ...s.knobs, ...(JSON.parse(await readBody(req)) as FakeOpKnobs) };
    return json(res, 200, { id: s.id });
  }

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', base);
    const scenarioPath = /^\/s\/([^/]+)(\/.*)$/.exec(url.pathname);
    const work = scenarioPath
      ? (() => {
          const s = scenarios.get(scenarioPath[1]!);
          return s ? handleScenario(s, scenarioPath[2]!, url, req, res) : Promise.resolve(json(res, 404, { error: 'no such issuer' }));
        })()
      : handleControl(url.pathname, req, res);
    work.catch((err: Error) => json(res, 500, { error: 'server_error', error_description: err.message }));
  });

  return {
    base,
    close: () => closeServer(server),
  };
}
