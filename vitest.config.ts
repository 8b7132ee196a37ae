import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';

export default defineConfig(async () => {
  const migrations = await readD1Migrations('migrations');
  return {
    plugins: [
      cloudflareTest({
        main: './src/index.ts',
        wrangler: { configPath: './wrangler.toml' },
        miniflare: {
          bindings: {
            TEST_MIGRATIONS: migrations,
            LOCAL_DEV: 'true',
            SECRETS_KEY: 'dGVzdC1vbmx5LWtleS10ZXN0LW9ubHkta2V5LTMyYnk=',
          },
        },
      }),
    ],
    test: {
      setupFiles: ['./test/setup/apply-migrations.ts'],
      testTimeout: 30_000,
      hookTimeout: 60_000,
    },
  };
});
