import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // ceilings for a hang, not timings: on a loaded 2-core machine one CLI call (a Node start-up) can
    // take 10 s, and a test making ten of them a minute and more
    testTimeout: 180_000,
    hookTimeout: 180_000,
    // integration tests spawn real agents and training processes: keep the 2-core machine unsaturated
    maxWorkers: 2,
    reporters: ['default'],
    // every agent the suite starts (in process or spawned) checks each answer against the OpenAPI contract
    env: { TRAINER_VALIDATE_RESPONSES: '1' },
  },
});
