import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin';
import { kCurrentWorker } from 'miniflare';
import { defineConfig } from 'vitest/config';

/**
 * Two projects: `workers` runs in workerd with real D1/KV/DO (vitest-plugin); `node` holds the
 * tests that must drive things from outside the runtime (the CLI, a browser, a served Worker).
 */
export default defineConfig(async () => {
  const migrations = await readD1Migrations('migrations');
  return {
    test: {
      testTimeout: 30_000,
      hookTimeout: 60_000,
      // Vitest's default (cores - 1) is one worker on a 2-core machine: every file in a row. The node
      // project's files mostly wait on child processes (the CLI, workerd, Chromium), so two run beside
      // the workerd files.
      maxWorkers: 2,
      projects: [
        {
          plugins: [
            cloudflareTest({
              main: './src/index.ts',
              wrangler: { configPath: './wrangler.toml' },
              miniflare: {
                // A host Worker's binding to the IdentityApi entrypoint, here bound to this very Worker.
                serviceBindings: { IDENTITY: { name: kCurrentWorker, entrypoint: 'IdentityApi' } },
                bindings: {
                  TEST_MIGRATIONS: migrations,
                  LOCAL_DEV: 'true',
                  SECRETS_KEY: 'dGVzdC1vbmx5LWtleS10ZXN0LW9ubHkta2V5LTMyYnk=',
                  // Where /auth/token/redirect may hand tokens: a single-page app and a native app (test/session-tokens.test.ts).
                  SESSION_TOKEN_REDIRECT_URIS: 'https://spa.example/signed-in, com.acme.app:/signed-in',
                  // Every tenant object of the workerd tests is reached with a location hint, as a placed deployment reaches it.
                  TENANT_LOCATION_HINT: 'weur',
                },
              },
            }),
          ],
          test: {
            name: 'workers',
            include: ['test/**/*.test.ts'],
            exclude: ['test/node/**'],
            setupFiles: ['./test/setup/apply-migrations.ts'],
            // OpenID Providers in Node on 127.0.0.1 for the sign-in tests (URLs via inject()).
            globalSetup: ['./test/support/oidc-global-setup.ts'],
            testTimeout: 30_000,
            hookTimeout: 60_000,
          },
        },
        {
          test: {
            name: 'node',
            // The example host app's tests too: they run it beside this Worker in one workerd.
            include: ['test/node/**/*.test.ts', 'examples/*/test/**/*.test.ts'],
            environment: 'node',
            testTimeout: 120_000,
            hookTimeout: 120_000,
          },
        },
      ],
    },
  };
});
