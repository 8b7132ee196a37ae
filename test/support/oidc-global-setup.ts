/**
 * vitest globalSetup of the workers project: starts the Okta-like OpenID Provider and the
 * knob-driven fake provider in Node on 127.0.0.1, and hands their URLs to the tests (`inject`).
 */
import type { TestProject } from 'vitest/node';
import { TEST_APP_ORIGIN } from './app-origin.ts';
import { startFakeOp } from './fake-op.ts';
import { startOktaLikeOp } from './okta-like-op.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    oktaIssuer: string;
    fakeOpBase: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const okta = await startOktaLikeOp({ appOrigins: [TEST_APP_ORIGIN] });
  const fake = await startFakeOp();
  project.provide('oktaIssuer', okta.issuer);
  project.provide('fakeOpBase', fake.base);
  return async () => {
    await Promise.all([okta.close(), fake.close()]);
  };
}
