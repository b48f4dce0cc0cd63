/**
 * What must hold after any interleaving of the actors (issue 7):
 * - the stock ledger per SKU: available + reserved + sold + writtenOff = restocks, no
 *   counter negative, and each counter equal to what the orders say it should hold;
 * - money per order: 0 <= refundedMinor <= amountMinor; the order's record of its
 *   payment agrees with what the provider holds; no refund issued twice; a payment
 *   that was refunded never belongs to an order that goes on, and no cancelled order
 *   keeps money;
 * - every order final, or waiting with a running execution on a task with a deadline;
 * - history forward-only, each status once.
 */
import type { LocalStack } from '../../lib/local/stack.js';
import { paidStatus } from '../../functions/core/money.js';
import { Client, MODEL_SETTINGS, type RunRecord } from './driver.js';

const RANK: Record<string, number> = { PENDING_PAYMENT: 0, PAID: 1, PICKING: 2, PACKED: 3, SHIPPED: 4, DELIVERED: 5, COMPLETED: 6, CANCELLED: 7 };
const FINAL = new Set(['COMPLETED', 'CANCELLED']);
const HANDED_OVER = new Set(['SHIPPED', 'DELIVERED']);

/** The order as stored (its index keys too), read as an operator would. */
async function storedOrder(orderId: string): Promise<(Record<string, unknown> & { dueAt?: string; gsi2pk?: string }) | undefined> {
  const { dynamo } = await import('../../functions/adapters/aws-clients.js');
  const { GetCommand } = await import('@aws-sdk/lib-dynamodb');
  const { keys, tableName } = await import('../../functions/adapters/keys.js');
  return (await dynamo.send(new GetCommand({ TableName: tableName(), Key: keys.order(orderId), ConsistentRead: true }))).Item;
}
const SOLD = new Set(['PACKED', 'SHIPPED', 'DELIVERED', 'COMPLETED', 'PAID', 'PICKING']);

/** Each stock item of a SKU with the sold units of the orders homed on it, and those orders' stories: a sold-count mismatch, located. */
async function soldBreakdown(sku: string, stockShards: number, orders: any[], run: RunRecord): Promise<string> {
  const { dynamo } = await import('../../functions/adapters/aws-clients.js');
  const { GetCommand } = await import('@aws-sdk/lib-dynamodb');
  const { keys, tableName } = await import('../../functions/adapters/keys.js');
  const items = await Promise.all(Array.from({ length: stockShards }, async (_, n) => (await dynamo.send(new GetCommand({ TableName: tableName(), Key: keys.stockShard(sku, n), ConsistentRead: true }))).Item));
  const homed = items.map(() => ({ sold: 0, orders: [] as string[] }));
  for (const [i, order] of orders.entries()) {
    const line = order.items.find((l: { sku: string }) => l.sku === sku);
    if (!line || !SOLD.has(order.status)) continue;
    const stored = await storedOrder(order.orderId);
    const home = homed[(stored?.stockShards as Record<string, number> | undefined)?.[sku] ?? 0]!;
    home.sold += line.quantity - (line.refundedQuantity ?? 0);
    home.orders.push(
      `${order.orderId} ${order.status} qty ${line.quantity}${line.refundedQuantity ? ` refunded ${line.refundedQuantity}` : ''} [${run.orders[i]!.script.join(', ')}] deadline ${order.paymentDeadline} history ${JSON.stringify(order.history)} payment ${JSON.stringify({ status: order.payment?.status, paidAt: order.payment?.paidAt, refunds: order.payment?.refunds })} fulfilment ${JSON.stringify(order.fulfilment)}`,
    );
  }
  return items.map((item, n) => `shard ${n}: sold ${item?.sold}, available ${item?.available}, writtenOff ${item?.writtenOff}; its orders hold ${homed[n]!.sold}: ${homed[n]!.orders.join('; ')}`).join(' | ');
}

export interface Verdict {
  checks: number;
  violations: string[];
  settleMs: number;
  outcomes: Record<string, number>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Settled: final with every refund done, or handed over to the carrier (SHIPPED: the long wait for it, kept by the due-orders index) with its execution ended. */
function settled(order: any, stack: LocalStack): boolean {
  const execution = stack.stepFunctions.executions.get(order.orderId)?.status;
  if (FINAL.has(order.status)) {
    const pending = (order.payment?.refunds ?? []).some((r: { status: string }) => r.status === 'PENDING');
    return !pending && execution !== 'RUNNING';
  }
  return order.status === 'SHIPPED' && execution === 'SUCCEEDED';
}

export async function checkInvariants(stack: LocalStack, run: RunRecord, settleTimeoutMs = 25_000 + MODEL_SETTINGS.pickingTimeoutSeconds * 1000): Promise<Verdict> {
  const client = new Client(stack);
  const ops = await client.token('model-auditor', ['ops']);
  const violations = [...run.unexpected.map((u) => `unexpected answer: ${u}`), ...run.liveViolations];
  let checks = run.liveChecks + run.unexpected.length;
  const check = (ok: boolean, message: () => string) => {
    checks++;
    if (!ok) violations.push(message());
  };

  // Let deadlines fire and queues drain: every order must settle by itself.
  const started = Date.now();
  let orders: any[] = [];
  for (;;) {
    orders = await Promise.all(run.orders.map(async ({ orderId }) => (await client.request('GET', `/orders/${orderId}`, { token: ops })).body));
    if (orders.every((order) => settled(order, stack)) || Date.now() - started > settleTimeoutMs) break;
    await sleep(250);
  }
  const settleMs = Date.now() - started;
  const outcomes: Record<string, number> = {};

  for (const [i, order] of orders.entries()) {
    const { orderId, script } = run.orders[i]!;
    const where = `${orderId} [${script.join(', ')}]`;
    const key = order.status === 'CANCELLED' ? `CANCELLED/${order.cancellation?.reason}` : order.status;
    outcomes[key] = (outcomes[key] ?? 0) + 1;

    // Every order final; or handed over to the carrier, its execution ended and its next
    // deadline in the due-orders index; or waiting with a running execution and a deadline.
    const execution = stack.stepFunctions.executions.get(orderId);
    const open = stack.stepFunctions.openTasks(orderId);
    if (HANDED_OVER.has(order.status)) {
      check(execution?.status === 'SUCCEEDED' && open.length === 0, () => `${where}: ${order.status} but its execution is ${execution?.status ?? 'missing'}, waiting on ${JSON.stringify(open)}`);
      const stored = await storedOrder(orderId);
      check(!!stored?.dueAt && stored.gsi2pk?.startsWith('DUE#') === true, () => `${where}: ${order.status} with no deadline in the due-orders index (${JSON.stringify({ dueAt: stored?.dueAt })})`);
    } else if (FINAL.has(order.status)) {
      check(execution?.status === 'SUCCEEDED', () => `${where}: ${order.status} but its execution is ${execution?.status ?? 'missing'} ${execution?.error ?? ''}`);
      check(open.length === 0, () => `${where}: ${order.status} but its execution still waits on ${open.map((t) => t.state).join(', ')}`);
    } else {
      check(execution?.status === 'RUNNING', () => `${where}: ${order.status}, not final, and its execution is ${execution?.status ?? 'missing'} ${execution?.error ?? ''}`);
      check(open.length === 1 && open[0]!.deadlineAt !== null, () => `${where}: ${order.status}, not final, waiting on ${JSON.stringify(open)}`);
    }

    // History forward-only, each status once, the last one the order's status.
    const history = (order.history as { status: string }[]).map((h) => h.status);
    check(history[0] === 'PENDING_PAYMENT', () => `${where}: history starts with ${history[0]}`);
    check(new Set(history).size === history.length, () => `${where}: a status twice in ${history.join(' > ')}`);
    check(history.every((status, j) => j === 0 || RANK[status]! > RANK[history[j - 1]!]!), () => `${where}: history goes back: ${history.join(' > ')}`);
    check(history.at(-1) === order.status, () => `${where}: status ${order.status} but history ends ${history.at(-1)}`);

    // Money: the order's record against the provider's.
    const payment = order.payment;
    const atProvider = [...stack.sandbox.payments.values()].filter((p) => p.orderId === orderId);
    check(atProvider.length <= 1, () => `${where}: ${atProvider.length} payments at the provider`);
    const held = atProvider[0];
    if (payment) {
      const succeeded = (payment.refunds as { refundId: string; amountMinor: number; status: string }[]).filter((r) => r.status === 'SUCCEEDED');
      check(payment.refundedMinor >= 0 && payment.refundedMinor <= payment.amountMinor, () => `${where}: refunded ${payment.refundedMinor} of ${payment.amountMinor}`);
      check(payment.refundedMinor === succeeded.reduce((sum, r) => sum + r.amountMinor, 0), () => `${where}: refundedMinor ${payment.refundedMinor} is not the sum of its refunds`);
      check(new Set(payment.refunds.map((r: { refundId: string }) => r.refundId)).size === payment.refunds.length, () => `${where}: a refund recorded twice`);
      if (payment.paidAt) check(payment.status === paidStatus(payment), () => `${where}: payment ${payment.status} with ${payment.refundedMinor} of ${payment.amountMinor} refunded`);
      // An Alipay page-pay trade exists only once its page was opened.
      const neverOpened = !held && payment.provider === 'alipay' && !payment.paidAt;
      check(held?.paymentId === payment.paymentId || neverOpened, () => `${where}: the provider holds no payment ${payment.paymentId}`);
      if (held) {
        // CLOSED here is "we never accept it" where the provider could not close it: PayPal
        // orders cannot be closed there, and an Alipay page closed before it was opened (no
        // trade yet) still opens until it expires. The provider holds it unpaid (PENDING) or
        // with its attempt failed (FAILED): no money either way (a payment made there is
        // applied late and refunded, and checked as any other).
        const closedOnlyHere =
          payment.status === 'CLOSED' && ['PENDING', 'FAILED'].includes(held.status) && (payment.provider === 'paypal' || (payment.provider === 'alipay' && stack.sandbox.closedBeforeOpened.has(payment.paymentId)));
        check(held.status === payment.status || closedOnlyHere, () => `${where}: ${payment.provider} payment ${payment.status} here, ${held.status} at the provider`);
        check(held.refundedMinor === payment.refundedMinor, () => `${where}: refunded ${payment.refundedMinor} here, ${held.refundedMinor} at the provider`);
        check(
          held.refunds.length === succeeded.length && held.refunds.every((r) => succeeded.some((s) => s.refundId === r.refundId)),
          () => `${where}: the provider made refunds ${JSON.stringify(held.refunds)}, the order records ${JSON.stringify(payment.refunds)}`,
        );
      }
    } else {
      check(!held || held.status === 'PENDING', () => `${where}: no payment recorded, the provider holds one ${held?.status}`);
    }
    const captured = held && ['SUCCEEDED', 'PARTIALLY_REFUNDED', 'REFUNDED'].includes(held.status);
    if (order.status === 'CANCELLED') {
      // No cancelled order keeps money.
      check(!captured || held.status === 'REFUNDED', () => `${where}: cancelled but the provider still holds ${held?.amountMinor} (${held?.status})`);
    } else if (RANK[order.status]! >= RANK.PAID!) {
      // An order that goes on is paid; only after-sales refunds (goodwill, shortage, returns) may have been made, never a cancellation's.
      const reasons = (payment?.refunds ?? []).map((r: { reason: string }) => r.reason);
      check(!!payment?.paidAt && ['SUCCEEDED', 'PARTIALLY_REFUNDED', 'REFUNDED'].includes(held?.status ?? '') && reasons.every((reason: string) => ['GOODWILL', 'SHORTAGE', 'RETURN'].includes(reason)), () => `${where}: ${order.status} with payment ${payment?.status} (provider ${held?.status}) refunds ${reasons.join(',')}`);
    }

    // Returns: none left half-done; a refunded one's refund paid once; never more units back than delivered.
    const returns = ((await client.request('GET', `/orders/${orderId}/returns`, { token: ops })).body.items ?? []) as { returnId: string; status: string; items: { sku: string; quantity: number }[]; refundMinor: number }[];
    for (const ret of returns) {
      check(ret.status !== 'RECEIVED', () => `${where}: return ${ret.returnId} received but never refunded`);
      if (ret.status === 'REFUNDED' && ret.refundMinor > 0) {
        const paid = (payment?.refunds ?? []).filter((r: { reason: string; amountMinor: number; status: string }) => r.reason === 'RETURN' && r.status === 'SUCCEEDED');
        check(paid.some((r: { amountMinor: number }) => r.amountMinor === ret.refundMinor), () => `${where}: return ${ret.returnId} REFUNDED ${ret.refundMinor} without its refund`);
      }
    }
    for (const line of order.items as { sku: string; quantity: number; refundedQuantity?: number }[]) {
      const open = returns.filter((r) => r.status === 'REQUESTED' || r.status === 'APPROVED').reduce((sum, r) => sum + (r.items.find((i) => i.sku === line.sku)?.quantity ?? 0), 0);
      check((line.refundedQuantity ?? 0) + open <= line.quantity, () => `${where}: ${line.sku} refunded ${line.refundedQuantity ?? 0} + in open returns ${open} > ${line.quantity}`);
    }
  }

  // The stock ledger, and every counter equal to what the orders hold.
  for (const sku of run.skus) {
    const product = (await client.request('GET', `/products/${sku}`, { token: ops })).body;
    const restocked = run.restocked.get(sku)!;
    let reserved = 0;
    let sold = 0;
    let writtenOff = 0;
    for (const order of orders) {
      const line = order.items.find((l: { sku: string }) => l.sku === sku);
      if (!line) continue;
      if (order.status === 'PENDING_PAYMENT') reserved += line.quantity;
      // Refunded units (shipped without, or returned) left `sold`.
      if (SOLD.has(order.status)) sold += line.quantity - (line.refundedQuantity ?? 0);
      // Units reported missing were written off, whatever the resolution (a waiting order's were served from restocks).
      const missing = order.fulfilment?.shortages?.find((s: { sku: string }) => s.sku === sku)?.missing ?? 0;
      writtenOff += Math.min(missing, line.quantity);
    }
    writtenOff += run.damaged.get(sku) ?? 0;
    const total = product.available + product.reserved + product.sold + product.writtenOff;
    check(restocked.low === restocked.high && total === restocked.low, () => `${sku}: available+reserved+sold+writtenOff = ${total}, restocked ${restocked.low}`);
    check(Math.min(product.available, product.reserved, product.sold, product.writtenOff) >= 0, () => `${sku}: a counter below zero ${JSON.stringify(product)}`);
    check(product.reserved === reserved, () => `${sku}: reserved ${product.reserved}, orders awaiting payment hold ${reserved}`);
    // On a mismatch, which shard differs and the orders homed on each (their scripts, histories, payments), to find the one.
    const breakdown = product.sold === sold ? '' : await soldBreakdown(sku, product.stockShards, orders, run);
    check(product.sold === sold, () => `${sku}: sold ${product.sold}, orders that go on hold ${sold}; ${breakdown}`);
    check(product.writtenOff === writtenOff, () => `${sku}: writtenOff ${product.writtenOff}, shortages reported and damaged returns ${writtenOff}`);
    // Units owed to waiting orders: none once no order waits.
    check(product.backordered >= 0 && (product.backordered === 0 || orders.some((o) => o.status === 'PICKING')), () => `${sku}: backordered ${product.backordered} with no order waiting`);
  }

  // Events: exactly one per change, numbered 1..n per order without a gap, whatever raced.
  const { listSubjectEvents } = await import('../../functions/adapters/events.js');
  const expectedEvents = (order: any) => order.history.length + (order.payment?.refunds ?? []).filter((r: { status: string }) => r.status === 'SUCCEEDED').length;
  const eventsOf = async (order: any) => (await listSubjectEvents({ kind: 'order', id: order.orderId }, 1000)).filter((e) => e.type.startsWith('order.') || e.type === 'payment.refunded');
  const caughtUp = Date.now() + 30_000;
  while (Date.now() < caughtUp && (await Promise.all(orders.map(async (o) => (await eventsOf(o)).length >= expectedEvents(o)))).some((done) => !done)) await sleep(500);
  for (const order of orders) {
    const all = await listSubjectEvents({ kind: 'order', id: order.orderId }, 1000);
    check(all.every((e, i) => e.sequence === i + 1), () => `${order.orderId}: event sequence ${all.map((e) => e.sequence).join(',')} has a gap or a repeat`);
    const statuses = all.filter((e) => e.type.startsWith('order.') && e.type !== 'order.backordered').map((e) => e.type);
    const history = order.history.map((h: { status: string }) => (h.status === 'PENDING_PAYMENT' ? 'order.created' : `order.${h.status.toLowerCase()}`));
    check(JSON.stringify(statuses) === JSON.stringify(history), () => `${order.orderId}: status events ${statuses.join(' > ')}, history ${history.join(' > ')}`);
    const refunds = all.filter((e) => e.type === 'payment.refunded').length;
    const succeeded = (order.payment?.refunds ?? []).filter((r: { status: string }) => r.status === 'SUCCEEDED').length;
    check(refunds === succeeded, () => `${order.orderId}: ${refunds} payment.refunded events for ${succeeded} succeeded refunds`);
  }
  return { checks, violations, settleMs, outcomes };
}
