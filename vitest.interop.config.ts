import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/interop/**/*.test.ts'],
    // The SDK warns once per process that it will need Node.js 22 from 2027; Lambda runs nodejs22.x.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    setupFiles: ['test/support/leak-guard.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
