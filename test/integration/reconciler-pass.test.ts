/**
 * The reconciler at scale (issue 14): it pages through every open order, shard by shard,
 * and a run that spends its time budget saves where it stopped, so the next run goes on
 * from there; a pass ends only when every shard has been read.
 */
import { describe, expect, it } from 'vitest';
import { useLocalStack } from '../helpers/local-stack.js';
import { ops, product, strandedOrder } from '../helpers/shop.js';

// Two orders a page and no time budget: every run reads one page and stops.
const api = useLocalStack({ env: { RECONCILE_GRACE_SECONDS: '0', RECONCILE_INTERVAL_SECONDS: '3600', RECONCILE_PAGE_SIZE: '2', RECONCILE_BUDGET_SECONDS: '0' }, streamRetryAttempts: 1 });

describe('the reconciler’s pass', () => {
  it('reaches every open order over several runs, going on where the last one stopped', async () => {
    const sku = await product(api, 20);
    const stranded: string[] = [];
    // Orders whose starts were given up (the stream's retries spent).
    for (let i = 0; i < 9; i++) stranded.push(await strandedOrder(api, `pass-${i}`, sku));
    const repaired = new Set<string>();
    let runs = 0;
    let checked = 0;
    for (;;) {
      const report = await api.request('POST', '/ops/reconcile', { token: await ops(api) });
      expect(report.status).toBe(200);
      runs++;
      checked += report.body.checked;
      for (const item of report.body.repaired) repaired.add(item.orderId);
      if (report.body.complete) break;
      expect(report.body.checked).toBeLessThanOrEqual(2);
      expect(runs).toBeLessThan(40);
    }
    expect([...repaired].sort()).toEqual([...stranded].sort());
    expect(checked).toBeGreaterThanOrEqual(9);
    expect(runs).toBeGreaterThan(4);
    for (const orderId of stranded) expect(api.stack.stepFunctions.executions.has(orderId)).toBe(true);
    // The next pass starts again from the first shard (one page of eight shards: not done).
    const next = await api.request('POST', '/ops/reconcile', { token: await ops(api) });
    expect(next.body.complete).toBe(false);
  });
});
