import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    globalSetup: ['./kubemock-global-setup.js'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
