import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';

describe('GET /', () => {
  it('answers the service name and version', async () => {
    const res = await SELF.fetch('https://edge.test/');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ name: 'edge-identity', status: 'ok' });
  });
});
