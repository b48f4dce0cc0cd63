/**
 * The reconciler: finds orders that no workflow is driving, or that sit past a
 * deadline without progress. It repairs what is safe (starting a missing execution,
 * idempotent by name, with the payment time the order has left; carrying out refunds a
 * final order still owes; asking the provider about a payment pending for minutes, in
 * case its notification was lost; subscribing again to a parcel's tracking that the
 * carrier's tracker gave up on) and reports the rest,
 * each with a log line and a metric, for an operator.
 */
import { FINAL_STATUSES, workflowInStep, type OrderStatus } from '../core/order.js';
import { openOrderPages, updateWhile, type OpenOrdersPosition, type StoredOrder } from '../adapters/orders.js';
import { getCheckpoint, saveCheckpoint } from '../adapters/checkpoints.js';
import { carriersFromEnv, type Carriers } from '../adapters/carriers/registry.js';
import type { CarrierName } from '../core/carriers.js';
import { describeOrderWorkflow } from '../adapters/workflow.js';
import { startOrderExecution } from './order-workflow.js';
import { paymentProvidersFromEnv, type PaymentProviders } from '../adapters/payments/registry.js';
import { owedRefunds, settleRefunds } from './refunds.js';
import { applyProviderRecord } from './payments.js';
import { expireReturns, finishReceivedReturns } from './returns.js';
import { count, logger } from '../shared/powertools.js';
import { pooled } from '../shared/pooled.js';

export interface ReconcileReport {
  checked: number;
  /** Whether this run finished its pass over every open order (else the next run goes on from where it stopped). */
  complete: boolean;
  repaired: { orderId: string; action: 'started-missing-execution' | 'completed-owed-refunds' | 'applied-unnotified-payment' | 'resubscribed-tracking' }[];
  stranded: { orderId: string; status: OrderStatus; problem: string }[];
  returns?: { expired: string[]; refunded: string[] };
}

const CHECKPOINT = 'reconciler';

export interface ReconcileOptions {
  graceSeconds?: number;
  querySeconds?: number;
  /** Stop taking new pages after this long (the function has 15 s); the next run goes on from there. */
  budgetSeconds?: number;
  pageSize?: number;
  concurrency?: number;
}

/**
 * Every open order, page by page through each shard of the open-order index, a page's
 * orders checked side by side (bounded), until the pass is done or the time budget is
 * spent; then where it stopped is saved, and the next run (five minutes on) goes on
 * from there, so no open order goes unchecked however many there are.
 */
export async function reconcile(now = new Date(), options: ReconcileOptions = {}): Promise<ReconcileReport> {
  const graceSeconds = options.graceSeconds ?? Number(process.env.RECONCILE_GRACE_SECONDS ?? 60);
  const querySeconds = options.querySeconds ?? Number(process.env.RECONCILE_PAYMENT_QUERY_SECONDS ?? 300);
  const budgetMs = (options.budgetSeconds ?? Number(process.env.RECONCILE_BUDGET_SECONDS ?? 10)) * 1000;
  const pageSize = options.pageSize ?? Number(process.env.RECONCILE_PAGE_SIZE ?? 100);
  const concurrency = options.concurrency ?? 8;
  const started = Date.now();
  // Younger orders may still be inside their create request: leave them be.
  const before = new Date(now.getTime() - graceSeconds * 1000).toISOString();
  const report: ReconcileReport = { checked: 0, complete: false, repaired: [], stranded: [] };
  const resendBefore = new Date(now.getTime() - querySeconds * 1000).toISOString();
  let carriers: Carriers | undefined;
  let providers: PaymentProviders | undefined;
  const payments = () => (providers ??= paymentProvidersFromEnv());

  let position: OpenOrdersPosition | null = (await getCheckpoint<OpenOrdersPosition>(CHECKPOINT)) ?? { shard: 0 };
  for await (const page of openOrderPages(before, pageSize, position)) {
    await pooled(page.items, concurrency, async (order) => {
      // One order that cannot be checked is reported; the pass goes on.
      try {
        await reconcileOrder(order);
      } catch (error) {
        report.stranded.push({ orderId: order.orderId, status: order.status, problem: `could not be checked: ${(error as Error).message}` });
      }
    });
    report.checked += page.items.length;
    position = page.next;
    if (position && Date.now() - started >= budgetMs) break;
  }
  report.complete = position === null;
  await saveCheckpoint(CHECKPOINT, position);

  async function reconcileOrder(order: StoredOrder): Promise<void> {
    if (FINAL_STATUSES.includes(order.status)) {
      // A final order is still in the index only while a refund is pending: carry it
      // out, or ask again (same idempotency key) about one the provider left processing.
      if (owedRefunds(order, resendBefore).length) {
        try {
          await settleRefunds(order, payments(), resendBefore);
          report.repaired.push({ orderId: order.orderId, action: 'completed-owed-refunds' });
        } catch (error) {
          report.stranded.push({ orderId: order.orderId, status: order.status, problem: `refund owed, provider refused or failed: ${(error as Error).message}` });
        }
      }
      return;
    }
    const execution = await describeOrderWorkflow(order.orderId);
    if (!execution) {
      if (order.status === 'PENDING_PAYMENT') {
        // Its start from the change stream was given up (retries spent, parked in the stream's DLQ).
        await startOrderExecution(order, now);
        report.repaired.push({ orderId: order.orderId, action: 'started-missing-execution' });
      } else {
        report.stranded.push({ orderId: order.orderId, status: order.status, problem: 'no workflow execution' });
      }
    } else if (!workflowInStep(order.status, execution.status)) {
      report.stranded.push({
        orderId: order.orderId,
        status: order.status,
        problem: `workflow ${execution.status.toLowerCase()}${execution.error ? `: ${execution.error}` : ''}, order not final`,
      });
    } else if (order.status === 'PENDING_PAYMENT' && Date.parse(order.paymentDeadline) + graceSeconds * 1000 < now.getTime()) {
      report.stranded.push({ orderId: order.orderId, status: order.status, problem: 'past its payment deadline' });
    } else if (order.status === 'SHIPPED' && order.shipmentTracking && order.shipmentTracking.state !== 'resubscribed') {
      const problem = await repairTracking(order, now, (carriers ??= carriersFromEnv()));
      if (problem === 'resubscribed') report.repaired.push({ orderId: order.orderId, action: 'resubscribed-tracking' });
      else if (problem) report.stranded.push({ orderId: order.orderId, status: order.status, problem });
    } else if (order.status === 'PENDING_PAYMENT' && order.payment?.status === 'PENDING' && Date.parse(order.createdAt) + querySeconds * 1000 < now.getTime()) {
      // Notifications get lost: a payment pending this long is asked after at the provider.
      if (await applyProviderRecord(order.orderId, order.payment, payments())) {
        report.repaired.push({ orderId: order.orderId, action: 'applied-unnotified-payment' });
      }
    }
  }

  // Returns: approved ones whose goods never came expire; received ones whose refund completed later are marked REFUNDED.
  report.returns = { expired: await expireReturns(now), refunded: await finishReceivedReturns() };

  for (const item of report.repaired) logger.warn('stranded order repaired', item);
  for (const item of report.stranded) logger.error('stranded order needs an operator', item);
  await count('StrandedOrdersRepaired', report.repaired.length);
  await count('StrandedOrders', report.stranded.length);
  return report;
}

/** How often, and after how long, a parcel whose tracking the carrier aborted is subscribed again (Kuaidi100 suggests half an hour). */
const MAX_RESUBSCRIPTIONS = 3;

/**
 * Kuaidi100 aborts a subscription after 3 days without any record or 60 days without
 * change. The parcel is subscribed again after KUAIDI100_RESUBSCRIBE_SECONDS, at most
 * three times; after that, or when tracking ended without delivery, an operator is told.
 */
async function repairTracking(order: StoredOrder, now: Date, carriers: Carriers): Promise<'resubscribed' | string | null> {
  const tracking = order.shipmentTracking!;
  if (tracking.state === 'shutdown') return `the carrier stopped tracking before delivery: ${tracking.message || 'no reason given'}`;
  if (tracking.state !== 'abort') return null;
  if (tracking.resubscriptions >= MAX_RESUBSCRIPTIONS) return `the carrier gave up tracking ${tracking.resubscriptions + 1} times: ${tracking.message || 'no reason given'}`;
  const waitSeconds = Number(process.env.KUAIDI100_RESUBSCRIBE_SECONDS ?? 1800);
  if (Date.parse(tracking.at) + waitSeconds * 1000 > now.getTime()) return null;
  const shipment = order.shipment!;
  await carriers.forCompany(shipment.carrier).subscribe({ carrier: shipment.carrier as CarrierName, trackingNumber: shipment.trackingNumber }, order.shippingAddress);
  await updateWhile(order.orderId, ['SHIPPED'], { shipmentTracking: { ...tracking, state: 'resubscribed', at: now.toISOString(), resubscriptions: tracking.resubscriptions + 1 } });
  return 'resubscribed';
}
