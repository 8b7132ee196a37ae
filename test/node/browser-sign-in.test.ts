/**
 * One real browser: headless Chromium signs in at the Okta-like provider, lands on the app with a
 * session the page can read, and signs out through the provider (RP-initiated logout). The Worker
 * is served by workerd on 127.0.0.1 and visited as `localhost`; the provider is at 127.0.0.1, so
 * their cookies stay apart.
 */
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { database } from '../../src/db/client.ts';
import { roleMappings } from '../../src/db/schema.ts';
import { setConnection } from '../../src/oidc/connection-store.ts';
import { createTenant } from '../../src/tenants/tenant-store.ts';
import { startLocalWorker, type LocalWorker } from '../support/local-worker.ts';
import { OKTA_ACCOUNTS, OKTA_CLIENTS } from '../support/okta-fixtures.ts';
import { startOktaLikeOp, type RunningOp } from '../support/okta-like-op.ts';

const secretsKey = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64');
const alice = OKTA_ACCOUNTS[0]!;
let worker: LocalWorker;
let op: RunningOp;
let browser: Browser;
let appOrigin: string;

beforeAll(async () => {
  worker = await startLocalWorker({ vars: { SECRETS_KEY: secretsKey } });
  appOrigin = worker.url.replace('//127.0.0.1:', '//localhost:');
  op = await startOktaLikeOp({ appOrigins: [appOrigin] });
  const db = database(worker.db);
  const tenant = await createTenant(db, 'browser-co', 'Browser Co');
  await setConnection(db, secretsKey, 'browser-co', { issuer: op.issuer, clientId: OKTA_CLIENTS.basic.clientId, clientSecret: OKTA_CLIENTS.basic.clientSecret, jit: true }, true);
  await db.insert(roleMappings).values({ tenantId: tenant.id, groupName: 'Acme Admins', role: 'admin', createdAt: new Date().toISOString() });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
});

afterAll(async () => {
  await browser?.close();
  await op?.close();
  await worker?.stop();
});

it('signs in through the provider’s page, lands on the app with a session, and signs out through the provider', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${appOrigin}/auth/browser-co/login?return_to=${encodeURIComponent('/?welcome=1')}`);
  expect(new URL(page.url()).origin).toBe(op.issuer);
  await page.fill('#okta-signin-username', alice.login);
  await page.fill('#okta-signin-password', 'correct horse');
  await Promise.all([page.waitForURL(`${appOrigin}/?welcome=1`), page.click('#okta-signin-submit')]);

  const cookies = await context.cookies(appOrigin);
  const session = cookies.find((c) => c.name === '__Host-eid_session');
  expect(session).toMatchObject({ secure: true, httpOnly: true, sameSite: 'Lax', path: '/' });
  expect(cookies.filter((c) => c.name.startsWith('__Host-eid_login_'))).toEqual([]);

  // The app's own page reads who signed in.
  const me = await page.evaluate(async () => {
    const response = await fetch('/auth/session');
    return { status: response.status, body: await response.json() };
  });
  expect(me).toMatchObject({ status: 200, body: { tenant: 'browser-co', role: 'admin', user: { userName: alice.login, email: alice.email, externalId: alice.sub }, groups: ['Everyone', 'Acme Admins'] } });

  // Sign out with a same-origin form POST: our session ends, then the provider's.
  // (A string, as this project compiles without the DOM library.)
  await page.evaluate(`(() => {
    const form = document.createElement('form');
    form.method = 'post';
    form.action = '/auth/logout';
    document.body.append(form);
    form.submit();
  })()`);
  await page.waitForURL((url) => url.origin === op.issuer);
  await Promise.all([page.waitForURL(`${appOrigin}/auth/logged-out`), page.click('button[name="logout"][value="yes"]')]);
  expect(await page.textContent('h1')).toBe('You are signed out');
  expect(await page.evaluate(async () => (await fetch('/auth/session')).status)).toBe(401);
  await context.close();
});

it('keeps its Secure __Host- cookies on http://127.0.0.1 too (the address npm start prints)', async () => {
  // Swap the host names: the app at 127.0.0.1, the provider's issuer at localhost.
  const loopbackOp = await startOktaLikeOp({ appOrigins: [worker.url], issuerHost: 'localhost' });
  try {
    await setConnection(database(worker.db), secretsKey, 'browser-co', { issuer: loopbackOp.issuer }, true);
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${worker.url}/auth/browser-co/login`);
    await page.fill('#okta-signin-username', alice.login);
    await Promise.all([page.waitForURL(`${worker.url}/`), page.click('#okta-signin-submit')]);
    expect((await context.cookies(worker.url)).find((c) => c.name === '__Host-eid_session')).toMatchObject({ secure: true, httpOnly: true });
    expect(await page.evaluate(async () => (await fetch('/auth/session')).status)).toBe(200);
    await context.close();
  } finally {
    await loopbackOp.close();
  }
});
