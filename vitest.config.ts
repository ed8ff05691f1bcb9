import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts'],
    setupFiles: ['test/support/leak-guard.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
