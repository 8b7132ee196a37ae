/**
 * Property: whatever `return_to` or `target_link_uri` a sign-in link carries, a value we accept
 * lands on our own origin when a browser resolves it as the final `Location`, and anything else is
 * refused with the sign-in page's 400.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PageError } from '../src/http/errors.ts';
import { safeReturnTo, safeTargetLink } from '../src/oidc/return-to.ts';

const ORIGIN = 'https://id.example.com';

// Pieces attackers combine: dot segments (plain and encoded), empty segments, backslashes, other hosts.
const piece = fc.constantFrom('/', '.', '..', '%2e', '%2E', '%2f', '\\', '//', 'evil.example', '@', ':', '?', '#', 'a', '%00', '\t', ORIGIN, 'https:', 'javascript:');
const hostile = fc.array(piece, { maxLength: 12 }).map((parts) => parts.join(''));
const candidate = fc.oneof(hostile, hostile.map((v) => `/${v}`), hostile.map((v) => `${ORIGIN}/${v}`), fc.string({ maxLength: 40 }));

function outcome(pick: (value: string, origin: string) => string, value: string): string | 'refused' {
  try {
    return pick(value, ORIGIN);
  } catch (err) {
    expect(err).toBeInstanceOf(PageError);
    expect((err as PageError).status).toBe(400);
    return 'refused';
  }
}

describe.each([
  ['return_to', safeReturnTo],
  ['target_link_uri', safeTargetLink],
] as const)('%s', (_name, pick) => {
  it('accepted values resolve to our origin as a Location; the rest is a 400', () => {
    fc.assert(
      fc.property(candidate, (value) => {
        const landing = outcome(pick, value);
        if (landing === 'refused') return;
        expect(landing.startsWith('/')).toBe(true);
        expect(new URL(landing, ORIGIN).origin).toBe(ORIGIN);
        // What the browser does with it after our redirect, one step further: still ours.
        expect(new URL(new URL(landing, ORIGIN).href).origin).toBe(ORIGIN);
      }),
      { seed: 9, numRuns: 3000 },
    );
  });
});
