import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Each integration file starts its own local stack (and its own settings) in
    // its own process; two at a time suits a 2-core machine.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    // A stack start may retry DynamoDB Local (lib/local/dynamodb-local.ts).
    hookTimeout: 150_000,
    projects: [
      { extends: true, test: { name: 'stack', include: ['test/**/*.test.ts'], exclude: ['test/model/**'], sequence: { groupOrder: 0 } } },
      // The model suite runs alone, after the rest: its deadlines are seconds long, and
      // sharing two cores with another stack lets most of them expire before the actors
      // act, which still checks every invariant but hardly ever completes an order.
      { extends: true, test: { name: 'model', include: ['test/model/**/*.test.ts'], sequence: { groupOrder: 1 } } },
    ],
  },
});
