/**
 * How we reach an OpenID Provider's URLs: never a host that names this network or a cloud's
 * metadata service (outside local development), and never more than MAX_PROVIDER_RESPONSE_BYTES of
 * a response, so a hostile or broken issuer can neither point us inward nor exhaust the isolate.
 */
import { readAtMost } from '../common/read-bounded.ts';

/** Discovery documents and key sets are a few KiB; anything far larger is refused. */
export const MAX_PROVIDER_RESPONSE_BYTES = 256 * 1024;

const INTERNAL_NAMES = /(^|\.)(localhost|internal|local|localdomain)$/i;
const METADATA_NAMES = new Set(['metadata', 'metadata.google.internal', 'instance-data']);

function ipv4(host: string): number[] | undefined {
  const parts = host.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
  return parts.map(Number);
}

/** Loopback, private, link-local (cloud metadata), carrier-grade NAT, unspecified and multicast IPv4. */
function internalIpv4([a, b]: number[]): boolean {
  return a === 0 || a === 10 || a === 127 || (a === 100 && b! >= 64 && b! < 128) || (a === 169 && b === 254) || (a === 172 && b! >= 16 && b! < 32) || (a === 192 && b === 168) || a! >= 224;
}

/** The same for an IPv6 literal (brackets removed): loopback, unspecified, unique-local, link-local, multicast, and IPv4-mapped. */
function internalIpv6(host: string): boolean {
  const h = host.toLowerCase();
  if (h === '::' || h === '::1') return true;
  if (/^f[cd]/.test(h) || /^fe[89ab]/.test(h) || h.startsWith('ff')) return true;
  // IPv4-mapped, as URL parsing spells it: `::ffff:a00:1` is 10.0.0.1.
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(h);
  if (!mapped) return false;
  const [high, low] = [parseInt(mapped[1]!, 16), parseInt(mapped[2]!, 16)];
  return internalIpv4([high >> 8, high & 255, low >> 8, low & 255]);
}

/** Why `url`'s host may not be fetched as a provider's, or undefined when it may. */
export function providerHostProblem(url: URL): string | undefined {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const v4 = ipv4(host);
  if (v4 ? internalIpv4(v4) : host.includes(':') ? internalIpv6(host) : INTERNAL_NAMES.test(host) || METADATA_NAMES.has(host.toLowerCase())) {
    return `${url.origin} names a loopback, private, link-local or metadata host, which a provider never is`;
  }
  return undefined;
}

/**
 * `fetch` that refuses a provider host providerHostProblem names (unless `localDev`) and reads at
 * most MAX_PROVIDER_RESPONSE_BYTES of the body, then hands back a Response over what it read.
 */
export function providerFetch(localDev: boolean): typeof fetch {
  return async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const problem = localDev ? undefined : providerHostProblem(url);
    if (problem) throw new TypeError(problem);
    const response = await fetch(input, init);
    const declared = Number(response.headers.get('content-length') ?? '0');
    if (declared > MAX_PROVIDER_RESPONSE_BYTES) {
      await response.body?.cancel();
      throw new TypeError(`${url.origin} answered ${declared} bytes; at most ${MAX_PROVIDER_RESPONSE_BYTES} are read from a provider`);
    }
    const tooLarge = () => new TypeError(`${url.origin} sent more than ${MAX_PROVIDER_RESPONSE_BYTES} bytes; at most that much is read from a provider`);
    const body = response.body && (await readAtMost(response.body, MAX_PROVIDER_RESPONSE_BYTES, tooLarge));
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
}
