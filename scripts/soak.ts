/**
 * npm run soak: the model-based concurrency suite at scale. ORDERS (default 5000)
 * orders with seed SEED (default: the time), in rounds of ROUND orders (default 500)
 * on one local stack, each round with its own seed (SEED + round). Prints every
 * round's figures, and the seed of any round that broke an invariant, to replay it:
 * ORDERS=500 SEED=<seed> npm run soak.
 */
import { startLocalStack } from '../lib/local/stack.js';
import { MODEL_STACK_OPTIONS, runModel } from '../test/model/driver.js';
import { checkInvariants } from '../test/model/invariants.js';

const orders = Number(process.env.ORDERS ?? 5000);
const seed = Number(process.env.SEED ?? Date.now() % 1_000_000_000);
const round = Number(process.env.ROUND ?? 500);

const stack = await startLocalStack({
  ...MODEL_STACK_OPTIONS,
  port: 0,
  log: () => undefined,
  throttling: { default: { rateLimit: 100_000, burstLimit: 100_000 }, routes: {} },
  env: { ...MODEL_STACK_OPTIONS.env, POWERTOOLS_LOG_LEVEL: process.env.LOG_LEVEL ?? 'SILENT' },
});
stack.stepFunctions.faults.duplicateMessages = true;
const failing: number[] = [];
let checks = 0;
const started = Date.now();
try {
  for (let done = 0, i = 0; done < orders; done += round, i++) {
    const roundSeed = seed + i;
    const size = Math.min(round, orders - done);
    const t0 = Date.now();
    const run = await runModel(stack, { orders: size, seed: roundSeed });
    const verdict = await checkInvariants(stack, run);
    checks += verdict.checks;
    console.log(
      `round ${i + 1}: seed ${roundSeed}, ${run.orders.length}/${size} orders placed, ${run.actions} actions, ${verdict.checks} checks, ` +
        `${verdict.violations.length} violations, ${((Date.now() - t0) / 1000).toFixed(1)} s; ${JSON.stringify(verdict.outcomes)}`,
    );
    if (verdict.violations.length) {
      failing.push(roundSeed);
      for (const violation of verdict.violations.slice(0, 20)) console.log(`  ${violation}`);
    }
  }
} finally {
  await stack.stop();
}
console.log(`soak: ${orders} orders, ${checks} checks, ${((Date.now() - started) / 1000).toFixed(0)} s; ${failing.length ? `FAILED seeds: ${failing.join(', ')} (replay: ORDERS=${round} SEED=<seed> npm run soak)` : 'every invariant held'}`);
process.exit(failing.length ? 1 : 0);
