import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // integration tests spawn real agents and training processes: keep the 2-core machine unsaturated
    maxWorkers: 2,
    reporters: ['default'],
    // every agent the suite starts (in process or spawned) checks each answer against the OpenAPI contract
    env: { TRAINER_VALIDATE_RESPONSES: '1' },
  },
});
