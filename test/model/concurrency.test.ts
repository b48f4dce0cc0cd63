/**
 * The model-based concurrency suite, bounded: 200 orders with a fixed seed, every
 * actor at once, deadlines firing mid-action, callbacks lost after writes and every
 * stage message delivered twice. `npm run soak` runs the same with more orders and
 * any seed (ORDERS, SEED).
 */
import { describe, expect, it } from 'vitest';
import { useLocalStack } from '../helpers/local-stack.js';
import { afterSalesMix, MODEL_STACK_OPTIONS, runModel } from './driver.js';
import { checkInvariants } from './invariants.js';

const ORDERS = 200;
const SEED = 20261128;

describe('money, stock and orders under random interleavings of every actor', () => {
  const api = useLocalStack(MODEL_STACK_OPTIONS);

  it(`holds every invariant for ${ORDERS} orders (seed ${SEED})`, async () => {
    api.stack.stepFunctions.faults.duplicateMessages = true;
    const run = await runModel(api.stack, { orders: ORDERS, seed: SEED });
    const verdict = await checkInvariants(api.stack, run);
    console.log(
      `model: seed ${SEED}, ${run.orders.length} orders placed (${run.rejectedAtPlacement} refused at placement), ${run.actions} actions, ` +
        `${verdict.checks} checks, ${verdict.violations.length} violations, settled in ${verdict.settleMs} ms; outcomes ${JSON.stringify(verdict.outcomes)}; after-sales ${JSON.stringify(afterSalesMix(run))}`,
    );
    expect(run.orders.length).toBeGreaterThanOrEqual(ORDERS * 0.8);
    expect(verdict.violations).toEqual([]);
  }, 180_000);
});
