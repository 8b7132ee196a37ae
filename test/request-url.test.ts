/** `requestUrlParts` (src/http/request-url.ts) cuts serialized request URLs exactly as `new URL()` reads them. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { requestUrlParts } from '../src/http/request-url.ts';
import { canonicalScimRequest } from '../src/scim/canonical-path.ts';

/** Origin and path as URL reads them; the rest is what follows, so the parts put back together are the URL. */
function expectParts(serialized: string) {
  const url = new URL(serialized);
  const parts = requestUrlParts(serialized);
  expect({ origin: parts.origin, path: parts.path }).toEqual({ origin: url.origin, path: url.pathname });
  expect(`${parts.origin}${parts.path}${parts.rest}`).toBe(serialized);
  expect(parts.rest === '' || parts.rest.startsWith('?') || parts.rest.startsWith('#')).toBe(true);
}

describe('request URL parts', () => {
  it.each([
    'https://edge.example/scim/v2/acme/Users?filter=userName%20eq%20%22a%22&count=1',
    'http://127.0.0.1:8787/',
    'https://edge.example',
    'https://edge.example?x=1',
    'https://edge.example#frag',
    'https://edge.example/a?b=/c#d?e',
    'https://edge.example/a#b?c',
    'https://edge.example//double//slashes/?',
    'https://edge.example/%2Fencoded%3F/x',
    'https://xn--bcher-kva.example/b%C3%BCcher',
  ])('%s', (href) => {
    expectParts(new URL(href).href);
  });

  it('agrees with URL on any serialized web URL', () => {
    fc.assert(
      fc.property(fc.webUrl({ withQueryParameters: true, withFragments: true }), (href) => {
        expectParts(new URL(href).href);
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps the query and fragment when it rewrites a SCIM path', () => {
    const rewritten = canonicalScimRequest(new Request('https://edge.example/SCIM/v2/acme/users/?filter=userName%20eq%20%22a%22&count=1'));
    expect(rewritten.url).toBe('https://edge.example/scim/v2/acme/Users?filter=userName%20eq%20%22a%22&count=1');
    const untouched = new Request('https://edge.example/scim/v2/acme/Users/abc?attributes=id');
    expect(canonicalScimRequest(untouched)).toBe(untouched);
  });
});
