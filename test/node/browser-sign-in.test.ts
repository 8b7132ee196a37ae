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
import { createSetupLink, setupUrl } from '../../src/tenants/setup-links.ts';
import { createTenant, findTenantBySlug, requireTenant } from '../../src/tenants/tenant-store.ts';
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
  const tenant = await createTenant(db, 'browser-co', { name: 'Browser Co' });
  await setConnection(db, secretsKey, tenant, { issuer: op.issuer, clientId: OKTA_CLIENTS.basic.clientId, clientSecret: OKTA_CLIENTS.basic.clientSecret, jit: true }, true);
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
    await setConnection(database(worker.db), secretsKey, await requireTenant(database(worker.db), 'browser-co'), { issuer: loopbackOp.issuer }, true);
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

it('runs the setup link as an IT admin would: opens it, saves the Okta connection, creates a SCIM token that works', async () => {
  const db = database(worker.db);
  const { key } = await createSetupLink(db, await createTenant(db, 'setup-co', { name: 'Setup Co' }));
  const context = await browser.newContext();
  const page = await context.newPage();
  const requested: string[] = [];
  page.on('request', (request) => requested.push(request.url()));
  // The fragment never reaches the server; the page posts the key and moves on to the clean URL.
  await page.goto(setupUrl(appOrigin, 'setup-co', key));
  await page.waitForURL(`${appOrigin}/setup/setup-co`);
  expect(await page.textContent('h1')).toBe('Single sign-on setup for Setup Co');
  expect(requested.some((url) => url.includes(key))).toBe(false);

  await page.fill('input[name="issuer"]', op.issuer);
  await page.fill('input[name="clientId"]', OKTA_CLIENTS.basic.clientId);
  await page.fill('input[name="clientSecret"]', OKTA_CLIENTS.basic.clientSecret);
  await Promise.all([page.waitForURL(`${appOrigin}/setup/setup-co?saved=connection`), page.click('text=Test and save')]);
  expect(await page.textContent('[role="status"]')).toContain('Saved: the connection works');

  await Promise.all([page.waitForLoadState('load'), page.click('text=Create SCIM token')]);
  expect(await page.textContent('h1')).toBe('SCIM token for Setup Co');
  const token = (await page.textContent('code'))!.trim();
  expect(token).toMatch(/^eid_scim_/);
  const users = await fetch(`${worker.url}/scim/v2/setup-co/Users`, { headers: { authorization: `Bearer ${token}` } });
  expect(users.status).toBe(200);
  expect((await findTenantBySlug(db, 'setup-co'))!.scimEnabled).toBe(true);
  await context.close();
});