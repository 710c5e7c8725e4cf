import { defineConfig } from 'vitest/config';

// unit: pure logic, fast, no processes. integration: real Redis, real Kubernetes API servers,
// real Git over HTTP and real gRPC on loopback (see test/src/fleet). Integration files run one at
// a time so that the clusters they start never compete for the 2 cores.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['{proto,hub,agent,test}/src/**/*.test.ts', 'hub/ui/src/**/*.test.ts'],
          exclude: ['**/*.int.test.ts', '**/node_modules/**'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['{proto,hub,agent,test}/src/**/*.int.test.ts'],
          exclude: ['**/node_modules/**'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
          globalSetup: ['test/src/fleet/global-setup.ts'],
        },
      },
    ],
  },
});
