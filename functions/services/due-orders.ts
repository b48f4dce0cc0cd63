/**
 * Deadlines after the hand-over to the carrier. The order's execution ends once it is
 * SHIPPED (so an account's open Standard executions count only orders not yet handed
 * over: hours, not the days of transit and the receipt wait). What the workflow's
 * AwaitDelivery and AwaitReceipt deadlines did is done here, from the due-orders index:
 * a SHIPPED order past its delivery deadline, or a DELIVERED one past AUTO_CONFIRM_SECONDS,
 * is completed, as the customer's confirmation would (one conditional write on the
 * version read; a confirmation or a delivery that came first wins, and the order is due
 * again at its new deadline).
 */
import { DUE_ORDER_SHARDS } from '../adapters/keys.js';
import { dueOrdersPage, getOrder, transition } from '../adapters/orders.js';
import { HANDED_OVER } from '../core/order.js';
import { logger } from '../shared/powertools.js';
import { pooled } from '../shared/pooled.js';

export interface DueReport {
  completed: string[];
  /** False when the time budget ran out before every due order was seen (the next run goes on). */
  complete: boolean;
}

const PARALLEL = 8;

export async function completeDueOrders(now = new Date(), budgetMs = Number(process.env.DUE_SWEEP_BUDGET_SECONDS ?? 10) * 1000): Promise<DueReport> {
  const started = Date.now();
  const report: DueReport = { completed: [], complete: true };
  const before = now.toISOString();
  for (let shard = 0; shard < DUE_ORDER_SHARDS; shard++) {
    let startKey: Record<string, unknown> | undefined;
    do {
      if (Date.now() - started > budgetMs) return { ...report, complete: false };
      const page = await dueOrdersPage(shard, before, 100, startKey);
      await pooled(page.items, PARALLEL, async (listed) => {
        // The index may lag its order: decide on the order as it is now.
        const order = await getOrder(listed.orderId);
        if (!order || !HANDED_OVER.includes(order.status) || !order.dueAt || order.dueAt > before) return;
        const completed = await transition(order.orderId, { to: 'COMPLETED', from: [order.status], expectVersion: order.version });
        if (completed) {
          report.completed.push(order.orderId);
          logger.info('order completed at its deadline', { orderId: order.orderId, was: order.status, dueAt: order.dueAt });
        }
      });
      startKey = page.lastKey;
    } while (startKey);
  }
  return report;
}
