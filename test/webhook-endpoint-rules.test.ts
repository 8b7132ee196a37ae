/**
 * The rules of a webhook endpoint: which receiver URLs are accepted (https://, loopback http://
 * only in local development, never credentials), which event patterns name real types, and which
 * types a subscription receives. Table-driven, property-based and hostile input.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EVENT_TYPES } from '../src/events/event-log.ts';
import { eventPatterns, receiverUrl, subscribes } from '../src/webhooks/endpoint-store.ts';

describe('receiverUrl', () => {
  it.each([
    ['https://app.example.com/hooks/identity', false, 'https://app.example.com/hooks/identity'],
    ['HTTPS://App.Example.com:8443/h?x=1', false, 'https://app.example.com:8443/h?x=1'],
    ['http://127.0.0.1:9000/hooks', true, 'http://127.0.0.1:9000/hooks'],
    ['http://localhost/hooks', true, 'http://localhost/hooks'],
    ['http://[::1]:8080/', true, 'http://[::1]:8080/'],
  ])('accepts %s (local development: %s)', (url, localDev, normalized) => {
    expect(receiverUrl(url, localDev)).toBe(normalized);
  });

  it.each([
    ['http://127.0.0.1/hooks', false, /a receiver must be https:\/\/; got http:\/\/127\.0\.0\.1/],
    ['http://app.example.com/hooks', true, /or http:\/\/ on 127\.0\.0\.1 or localhost in local development; got http:\/\/app\.example\.com/],
    ['http://127.0.0.1.nip.io/', true, /got http:\/\/127\.0\.0\.1\.nip\.io/],
    ['ftp://app.example.com/', false, /must be https:\/\/; got ftp:/],
    ['javascript:alert(1)', true, /got javascript:/],
    ['https://user:pass@app.example.com/', false, /no user name or password/],
    ['not a url', false, /"not a url" is not a URL/],
    ['', false, /is not a URL/],
  ])('refuses %j (local development: %s)', (url, localDev, message) => {
    expect(() => receiverUrl(url, localDev)).toThrow(message);
  });

  it('never lets a plain http:// receiver through outside local development, whatever the host', () => {
    fc.assert(
      fc.property(fc.webUrl({ validSchemes: ['http'] }), (url) => {
        expect(() => receiverUrl(url, false)).toThrow();
      }),
    );
    fc.assert(
      fc.property(fc.webUrl({ validSchemes: ['https'], withFragments: true, withQueryParameters: true }), (url) => {
        expect(receiverUrl(url, false)).toMatch(/^https:\/\//);
      }),
    );
  });
});

describe('event patterns', () => {
  it('normalizes a list of types and prefixes; refuses what matches no type', () => {
    expect(eventPatterns(' user.* , group.deleted ')).toBe('user.*,group.deleted');
    expect(eventPatterns('*')).toBe('*');
    for (const bad of ['', ',', 'users.*', 'user.create', 'group.*.x', '*.created', 'user.deleted;DROP TABLE']) expect(() => eventPatterns(bad), bad).toThrow(/--events/);
  });

  it('a subscription receives exactly the types its patterns name, and always a ping', () => {
    expect(EVENT_TYPES.filter((t) => subscribes('user.*,group.deleted', t))).toEqual(['user.created', 'user.updated', 'user.deactivated', 'user.reactivated', 'user.deleted', 'user.signed_in', 'group.deleted']);
    expect(EVENT_TYPES.every((t) => subscribes('*', t))).toBe(true);
    expect(subscribes('group.user_added', 'ping')).toBe(true);
    fc.assert(
      fc.property(fc.subarray([...EVENT_TYPES], { minLength: 1 }), (types) => {
        const patterns = eventPatterns(types.join(','));
        expect(EVENT_TYPES.filter((t) => subscribes(patterns, t))).toEqual(EVENT_TYPES.filter((t) => types.includes(t)));
      }),
    );
  });
});
