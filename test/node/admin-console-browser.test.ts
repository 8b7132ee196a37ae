/**
 * The admin console in a real browser: headless Chromium signs in at the Okta-like provider as the
 * tenant's admin, saves a connection change, creates a SCIM token (shown once; it provisions until
 * revoked), maps a group to a role and finds a SCIM-provisioned user with the right externalId,
 * email, role and status. A viewer sees the same pages without edit controls and a forged POST is
 * 403; another tenant's admin gets no access; a deactivated admin is out on the next click.
 * Every page is screenshotted to test-artifacts/console/, and the Users and Authentication pages
 * are checked for horizontal overflow at 375 and 1280 px and with axe-core (no serious or critical).
 */
import { AxeBuilder } from '@axe-core/playwright';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../scripts/lib/dev-vars.ts';
import { database, type Database } from '../../src/db/client.ts';
import { setConnection } from '../../src/oidc/connection-store.ts';
import { mapGroupsToRoles, setDefaultRole } from '../../src/tenants/role-mappings.ts';
import { createScimToken, createTenant, requireTenant, enableScim, type Tenant } from '../../src/tenants/tenant-store.ts';
import { startLocalWorker, type LocalWorker } from '../support/local-worker.ts';
import { oktaNewUser, oktaSetActive } from '../support/okta-bodies.ts';
import { OKTA_ACCOUNTS, OKTA_CLIENTS } from '../support/okta-fixtures.ts';
import { startOktaLikeOp, type RunningOp } from '../support/okta-like-op.ts';

/** Where the run leaves its screenshots (CI keeps this folder). */
const SHOTS = join(PROJECT_ROOT, 'test-artifacts', 'console');
const [alice, bob, carol] = OKTA_ACCOUNTS as [typeof OKTA_ACCOUNTS[0], typeof OKTA_ACCOUNTS[0], typeof OKTA_ACCOUNTS[0]];

let worker: LocalWorker;
let op: RunningOp;
let browser: Browser;
let origin: string;
let db: Database;
let scimToken: string;
let acme: Tenant;

const scim = (method: string, path: string, body?: unknown, token = scimToken, slug = 'acme') =>
  fetch(`${worker.url}/scim/v2/${slug}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });

async function provisioned(login: string, extra: Record<string, unknown> = {}, token = scimToken, slug = 'acme'): Promise<string> {
  const res = await scim('POST', '/Users', oktaNewUser(login, extra), token, slug);
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

/** A fresh browser context signed in as `login` to `slug` through the provider's form, landing on `path`. */
async function signedIn(login: string, path: string, slug = 'acme'): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${origin}${path}`);
  expect(new URL(page.url()).origin).toBe(op.issuer);
  await page.fill('#okta-signin-username', login);
  await page.fill('#okta-signin-password', 'any');
  await Promise.all([page.waitForURL((url) => url.origin === origin && url.pathname.startsWith(`/admin/${slug}`)), page.click('#okta-signin-submit')]);
  return { context, page };
}

const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

/** No horizontal scrolling at `width`. */
async function fitsWidth(page: Page, width: number): Promise<void> {
  await page.setViewportSize({ width, height: 900 });
  const overflow = (await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth')) as number;
  expect(overflow, `${page.url()} at ${width}px`).toBeLessThanOrEqual(0);
}

async function accessible(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  expect(serious, page.url()).toEqual([]);
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  worker = await startLocalWorker();
  origin = worker.url.replace('//127.0.0.1:', '//localhost:');
  op = await startOktaLikeOp({ appOrigins: [origin] });
  db = database(worker.db);
  const client = OKTA_CLIENTS.basic;
  for (const slug of ['acme', 'globex']) {
    const tenant = await enableScim(db, await createTenant(db, slug, { name: slug === 'acme' ? 'Acme Inc' : 'Globex' }));
    await setConnection(db, worker.secretsKey, tenant, { issuer: op.issuer, clientId: client.clientId, clientSecret: client.clientSecret, tokenAuthMethod: client.tokenAuthMethod, jit: false }, true);
    if (slug === 'acme') acme = tenant;
  }
  scimToken = (await createScimToken(db, acme, 'okta', undefined)).token;
  // Alice and Carol are admins through an Okta group; Bob gets the default role, viewer.
  await mapGroupsToRoles(db, acme, [{ groupName: 'Acme Admins', role: 'admin' }]);
  const aliceId = await provisioned(alice.login, { externalId: alice.sub, name: { givenName: alice.givenName, familyName: alice.familyName } });
  const carolId = await provisioned(carol.login, { externalId: carol.sub });
  await provisioned(bob.login, { externalId: bob.sub });
  const group = await scim('POST', '/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Acme Admins', members: [{ value: aliceId }, { value: carolId }] });
  expect(group.status).toBe(201);
  await setDefaultRole(db, acme, 'viewer');
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await op?.close();
  await worker?.stop();
});

describe('the admin console in Chromium', () => {
  it('an admin changes the connection, creates and revokes a token, maps a group, and finds a provisioned user', async () => {
    const { context, page } = await signedIn(alice.login, '/admin/acme/authentication');
    await expect(page.textContent('h1')).resolves.toBe('Authentication: Okta');
    await accessible(page);
    await fitsWidth(page, 375);
    await shot(page, 'authentication-375');
    await fitsWidth(page, 1280);
    await shot(page, 'authentication');

    // Save and test: the provider is checked before anything is saved.
    await page.fill('#groupsFilter', '^Acme');
    await Promise.all([page.waitForURL(`${origin}/admin/acme/authentication?saved=connection`), page.click('button:has-text("Save and test")')]);
    await expect(page.textContent('.notice')).resolves.toContain('the provider checked out');
    expect(await page.inputValue('#groupsFilter')).toBe('^Acme');

    // A token: shown once, works against SCIM, then revoked (the confirmation accepted).
    await page.click('a:has-text("Provisioning")');
    await page.fill('#label', 'entra');
    await page.click('button:has-text("Create token")');
    const token = (await page.textContent('.secret code'))!.trim();
    expect(token).toMatch(/^eid_scim_/);
    await shot(page, 'provisioning-new-token');
    expect((await scim('GET', '/Users', undefined, token)).status).toBe(200);
    await page.click('a:has-text("Provisioning")');
    expect(await page.content()).not.toContain(token);
    await shot(page, 'provisioning');
    page.once('dialog', (dialog) => void dialog.accept());
    await Promise.all([page.waitForURL(`${origin}/admin/acme/provisioning?saved=revoked`), page.click('button[aria-label="Revoke entra"]')]);
    expect((await scim('GET', '/Users', undefined, token)).status).toBe(401);

    // Roles: map a group.
    await page.click('a:has-text("Roles")');
    await page.fill('#groupName', 'Engineering');
    await page.selectOption('#role', 'editor');
    await Promise.all([page.waitForURL(`${origin}/admin/acme/roles?saved=mapped`), page.click('button:has-text("Map group")')]);
    await expect(page.textContent('table')).resolves.toContain('Engineering');
    await shot(page, 'roles');

    // Users: the SCIM-provisioned people with their externalId, email, role and status.
    expect((await scim('PATCH', `/Users/${await userId(bob.login)}`, oktaSetActive(false))).status).toBe(200);
    await page.click('a:has-text("Users")');
    const aliceRow = page.locator('tr', { hasText: alice.login });
    await expect(aliceRow.textContent()).resolves.toMatch(new RegExp(`${alice.sub}.*admin.*Acme Admins.*active`));
    await expect(page.locator('tr', { hasText: bob.login }).textContent()).resolves.toMatch(new RegExp(`${bob.sub}.*viewer.*deactivated`));
    await accessible(page);
    await fitsWidth(page, 375);
    await shot(page, 'users-375');
    await fitsWidth(page, 1280);
    await shot(page, 'users');
    await page.selectOption('#status', 'deactivated');
    await page.click('button:has-text("Apply")');
    expect(await page.locator('tbody tr').count()).toBe(1);
    expect((await scim('PATCH', `/Users/${await userId(bob.login)}`, oktaSetActive(true))).status).toBe(200);

    // The remaining pages, each once: a user, groups and a group, domains, activity.
    await page.goto(`${origin}/admin/acme/users`);
    await page.click(`a:has-text("${alice.login}")`);
    await expect(page.textContent('main')).resolves.toContain('admin: from the mapping of Acme Admins to admin');
    await shot(page, 'user');
    await page.click('a:has-text("Groups")');
    await expect(page.locator('tr', { hasText: 'Acme Admins' }).textContent()).resolves.toMatch(/2\s*admin/);
    await shot(page, 'groups');
    await page.click('a:has-text("Acme Admins")');
    await shot(page, 'group');
    await page.click('a:has-text("Domains")');
    await page.fill('#domain', 'acme.example');
    await Promise.all([page.waitForURL(`${origin}/admin/acme/domains?saved=domain`), page.click('button:has-text("Add domain")')]);
    await shot(page, 'domains');
    await page.click('a:has-text("Activity")');
    await expect(page.textContent('tbody')).resolves.toContain('domain.add');
    await accessible(page);
    await shot(page, 'activity');
    await context.close();
  });

  it('a viewer sees every page without edit controls, and a forged POST is 403', async () => {
    const { context, page } = await signedIn(bob.login, '/admin/acme/provisioning');
    for (const section of ['authentication', 'provisioning', 'users', 'groups', 'roles', 'domains', 'webhooks', 'activity']) {
      await page.goto(`${origin}/admin/acme/${section}`);
      await expect(page.textContent('.readonly')).resolves.toContain('needs the admin role or higher');
      expect(await page.locator('main button[type=submit]:not(.secondary)').count(), section).toBe(0);
      await shot(page, `viewer-${section}`);
    }
    // A forged form POST from the console's own origin, with the viewer's cookie.
    const forged = (await page.evaluate(`fetch('/admin/acme/provisioning/tokens', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'label=forged' }).then((r) => r.status)`)) as number;
    expect(forged).toBe(403);
    await context.close();
  });

  it("another tenant's admin gets no access; a deactivated admin is out on the next click", async () => {
    const globexToken = (await createScimToken(db, await requireTenant(db, 'globex'), 'okta', undefined)).token;
    await provisioned(alice.login, { externalId: alice.sub }, globexToken, 'globex');
    const { context, page } = await signedIn(alice.login, '/admin/globex/users', 'globex');
    await expect(page.textContent('header .tenant')).resolves.toBe('Globex');
    // Her Globex session is no one in Acme's console: its pages send her to Acme's sign-in, its changes are 403.
    const acmePage = await context.request.get(`${origin}/admin/acme/users`, { maxRedirects: 0 });
    expect(acmePage.status()).toBe(302);
    expect(acmePage.headers().location).toMatch(/^\/auth\/acme\/login\?/);
    const acmeChange = await context.request.post(`${origin}/admin/acme/provisioning/tokens`, { form: { label: 'cross-tenant' }, headers: { origin }, maxRedirects: 0 });
    expect(acmeChange.status()).toBe(403);
    await context.close();

    const admin = await signedIn(carol.login, '/admin/acme/users');
    expect((await scim('PATCH', `/Users/${await userId(carol.login)}`, oktaSetActive(false))).status).toBe(200);
    await admin.page.click('a:has-text("Roles")');
    // The click goes to sign-in again instead of the page, and the provider's answer no longer signs her in.
    expect(new URL(admin.page.url()).pathname).toBe('/auth/callback');
    await expect(admin.page.textContent('h1')).resolves.toBe('Sign-in failed');
    expect(await admin.page.locator('nav.sections').count()).toBe(0);
    await admin.context.close();
  });
});

async function userId(login: string): Promise<string> {
  const res = await scim('GET', `/Users?filter=${encodeURIComponent(`userName eq "${login}"`)}`);
  return ((await res.json()) as { Resources: { id: string }[] }).Resources[0]!.id;
}
