import { defineConfig } from 'vitest/config';

// Two projects: pure tests run in parallel; tests that build network namespaces share one kernel
// and run one file at a time.
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts', 'test/golden/**/*.test.ts', 'test/conformance/**/*.test.ts'] } },
      { test: { name: 'netns', include: ['test/netns/**/*.test.ts'], fileParallelism: false, testTimeout: 120_000 } },
    ],
  },
});
