/**
 * Standard Webhooks signatures: `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`
 * with the key the `whsec_<base64>` secret encodes, so receivers verify with the `standardwebhooks`
 * libraries. During a rotation both secrets sign, space-separated, and either verifies.
 */
const SECRET_PREFIX = 'whsec_';

const toBase64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));

/** A new signing secret: `whsec_` + base64 of 32 random bytes. */
export function newWebhookSecret(): string {
  return SECRET_PREFIX + toBase64(crypto.getRandomValues(new Uint8Array(32)));
}

function secretKeyBytes(secret: string): Uint8Array<ArrayBuffer> {
  if (!secret.startsWith(SECRET_PREFIX)) throw new Error('a webhook secret starts with whsec_');
  return Uint8Array.from(atob(secret.slice(SECRET_PREFIX.length)), (c) => c.charCodeAt(0));
}

/** Signs deliveries with `secrets` (each key imported once): the headers of one delivery, its id, the time it was signed (Unix seconds) and a signature per secret. */
export async function webhookSigner(secrets: readonly string[]): Promise<(id: string, timestampSeconds: number, body: string) => Promise<Record<string, string>>> {
  const keys = await Promise.all(secrets.map((secret) => crypto.subtle.importKey('raw', secretKeyBytes(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])));
  const encoder = new TextEncoder();
  return async (id, timestampSeconds, body) => {
    const content = encoder.encode(`${id}.${timestampSeconds}.${body}`);
    const signatures = await Promise.all(keys.map(async (key) => `v1,${toBase64(new Uint8Array(await crypto.subtle.sign('HMAC', key, content)))}`));
    return { 'webhook-id': id, 'webhook-timestamp': String(timestampSeconds), 'webhook-signature': signatures.join(' ') };
  };
}
