/**
 * The ID token a session keeps only for RP-initiated logout's `id_token_hint`: sealed (AES-GCM under
 * SECRETS_KEY, bound to the tenant), so a read of the sessions' KV namespace yields no token a
 * provider would accept as a hint or anyone could replay.
 */
import { open, seal } from '../common/secret-box.ts';

/** `idToken` sealed for tenant `tenantId`'s session record. */
export function sealIdTokenHint(secretsKey: string, tenantId: string, idToken: string): Promise<string> {
  return seal(secretsKey, 'id-token-hint', idToken, tenantId);
}

/** The ID token of a session record, or undefined when it holds none or it does not open (a record from before sealing, or another key). */
export async function openIdTokenHint(secretsKey: string, tenantId: string, sealed: string | undefined): Promise<string | undefined> {
  return sealed === undefined ? undefined : open(secretsKey, 'id-token-hint', sealed, tenantId);
}
