/**
 * Authenticated encryption under the Worker's SECRETS_KEY, shared by the Worker and the CLI:
 * AES-256-GCM with a key derived per purpose (HKDF-SHA256), so a client secret sealed for storage
 * can never be replayed as a sign-in or setup cookie and vice versa.
 */
import { base64url } from 'jose';

/** What a sealed value is for; part of the key derivation. */
export type SealPurpose = 'client-secret' | 'login-state' | 'setup-grant' | 'id-token-hint' | 'webhook-secret' | 'signing-key';
/** What a MAC is for; part of the key derivation. */
export type MacPurpose = 'domain-verification';

const VERSION = 'v1';
const keys = new Map<string, Promise<CryptoKey>>();

function decodeSecretsKey(secretsKey: string | undefined): Uint8Array<ArrayBuffer> {
  // A deployment without the secret fails here, once per isolate (keys are cached), saying how to set it.
  if (!secretsKey) throw new Error('SECRETS_KEY is not set: `wrangler secret put SECRETS_KEY` with base64 of 32 random bytes (`.dev.vars` locally)');
  let raw: Uint8Array<ArrayBuffer>;
  try {
    raw = Uint8Array.from(atob(secretsKey.trim()), (ch) => ch.charCodeAt(0));
  } catch {
    throw new Error('SECRETS_KEY is not base64');
  }
  if (raw.length !== 32) throw new Error(`SECRETS_KEY must be base64 of 32 bytes, got ${raw.length}`);
  return raw;
}

/** Checks that `secretsKey` is a usable SECRETS_KEY (set, base64 of 32 bytes), with an error that says what is wrong. */
export function checkSecretsKey(secretsKey: string | undefined): asserts secretsKey is string {
  decodeSecretsKey(secretsKey);
}

function purposeKey(secretsKey: string, purpose: SealPurpose | MacPurpose): Promise<CryptoKey> {
  const cacheKey = `${purpose}\0${secretsKey}`;
  let key = keys.get(cacheKey);
  if (!key) {
    key = (async () => {
      const master = await crypto.subtle.importKey('raw', decodeSecretsKey(secretsKey), 'HKDF', false, ['deriveKey']);
      const info = new TextEncoder().encode(`edge-identity ${purpose} ${VERSION}`);
      const mac = purpose === 'domain-verification';
      const algorithm = mac ? { name: 'HMAC', hash: 'SHA-256', length: 256 } : { name: 'AES-GCM', length: 256 };
      return crypto.subtle.deriveKey({ name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(32), info }, master, algorithm, false, mac ? ['sign'] : ['encrypt', 'decrypt']);
    })();
    key.catch(() => keys.delete(cacheKey));
    keys.set(cacheKey, key);
  }
  return key;
}

/**
 * Encrypts `plaintext`; `context` (e.g. the tenant id) is authenticated but not stored, so the
 * sealed value only opens for the same context.
 */
export async function seal(secretsKey: string, purpose: SealPurpose, plaintext: string, context = ''): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ciphertext = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData: new TextEncoder().encode(context) },
    await purposeKey(secretsKey, purpose),
    new TextEncoder().encode(plaintext),
  );
  const sealed = new Uint8Array(iv.length + ciphertext.byteLength);
  sealed.set(iv);
  sealed.set(new Uint8Array(ciphertext), iv.length);
  return `${VERSION}.${base64url.encode(sealed)}`;
}

/** The plaintext of a value `seal` produced for the same purpose and context, or undefined. */
export async function open(secretsKey: string, purpose: SealPurpose, sealed: string, context = ''): Promise<string | undefined> {
  const [version, body] = sealed.split('.');
  if (version !== VERSION || !body) return undefined;
  const key = await purposeKey(secretsKey, purpose); // a broken SECRETS_KEY is a fault, not a bad value
  try {
    const bytes = base64url.decode(body);
    const plaintext = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: bytes.slice(0, 12), additionalData: new TextEncoder().encode(context) },
      key,
      bytes.slice(12),
    );
    return new TextDecoder().decode(plaintext);
  } catch {
    return undefined;
  }
}

/** A deterministic base64url HMAC-SHA256 of `message` (truncated to `bytes`), e.g. a DNS verification value. */
export async function authenticator(secretsKey: string, purpose: MacPurpose, message: string, bytes = 20): Promise<string> {
  const mac = await crypto.subtle.sign('HMAC', await purposeKey(secretsKey, purpose), new TextEncoder().encode(message));
  return base64url.encode(new Uint8Array(mac).slice(0, bytes));
}
