/**
 * Returns, by the decide-then-act rule: each step (request, approve, reject, receive,
 * expire) is decided on the return and the order as read and written in one
 * transaction with both versions (functions/adapters/returns.ts); the refund a receipt
 * owes is recorded in that write and paid afterwards with its idempotency key. A
 * loser re-reads and decides again; a repeated call finds its step done.
 */
import { createHash } from 'node:crypto';
import { DomainError } from '../core/errors.js';
import { FINAL_STATUSES } from '../core/order.js';
import { receiveDecision, releasedUnits, returnIdFor, returnRefundIdFor, returnRequestDecision, type ReceivedLine, type ReturnLine } from '../core/returns.js';
import { getOrder, openOrderKeys, type StoredOrder } from '../adapters/orders.js';
import { createReturn, getReturn, moveReturn, returnsWithStatus, recordReturnTask, type StoredReturn } from '../adapters/returns.js';
import { startReturnWorkflow, taskSucceeded } from '../adapters/workflow.js';
import { paymentProvidersFromEnv } from '../adapters/payments/registry.js';
import { settleRefunds } from './refunds.js';
import { backoff } from '../shared/backoff.js';
import { logger } from '../shared/powertools.js';

const MAX_ATTEMPTS = 25;
const seconds = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a whole number of seconds >= 1`);
  return value;
};
export const RETURN_WINDOW_SECONDS = seconds('RETURN_WINDOW_SECONDS', 604_800);
export const RETURN_SHIP_BY_SECONDS = seconds('RETURN_SHIP_BY_SECONDS', 1_209_600);

type WithReturns = StoredOrder & { returnedUnits?: Record<string, number> };

async function readBoth(returnId: string): Promise<{ ret: StoredReturn; order: WithReturns }> {
  const ret = await getReturn(returnId);
  if (!ret) throw new DomainError('NOT_FOUND', `No return ${returnId}`);
  const order = await getOrder(ret.orderId);
  if (!order) throw new DomainError('NOT_FOUND', `No order ${ret.orderId}`);
  return { ret, order };
}

export async function requestReturn(order: StoredOrder, key: string, body: { items: ReturnLine[]; note?: string }): Promise<{ ret: StoredReturn; replayed: boolean }> {
  const returnId = returnIdFor(order.orderId, key);
  const requestHash = createHash('sha256').update(JSON.stringify(body)).digest('hex');
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    await backoff(attempt);
    const existing = await getReturn(returnId);
    if (existing) {
      if (existing.requestHash !== requestHash) throw new DomainError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used for another return');
      return { ret: existing, replayed: true };
    }
    const current = (await getOrder(order.orderId)) as WithReturns;
    const now = new Date().toISOString();
    const units = returnRequestDecision(current, body.items, now, RETURN_WINDOW_SECONDS);
    const ret: StoredReturn = {
      returnId,
      orderId: order.orderId,
      customerId: order.customerId,
      status: 'REQUESTED',
      items: body.items,
      note: body.note ?? null,
      refundMinor: 0,
      history: [{ status: 'REQUESTED', at: now }],
      createdAt: now,
      updatedAt: now,
      version: 1,
      requestHash,
    };
    if (await createReturn(ret, { orderId: current.orderId, expectVersion: current.version, set: { returnedUnits: units } })) {
      logger.info('return requested', { orderId: order.orderId, returnId, units: body.items.reduce((sum, i) => sum + i.quantity, 0) });
      return { ret, replayed: false };
    }
  }
  throw new Error(`the return of ${order.orderId} kept losing races; retry with the same Idempotency-Key`);
}

/** Approve or reject a requested return (operators). A rejected return gives its units back. */
export async function decideReturn(returnId: string, verdict: 'APPROVED' | 'REJECTED', note?: string): Promise<StoredReturn> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    await backoff(attempt);
    const { ret, order } = await readBoth(returnId);
    if (ret.status !== 'REQUESTED') throw new DomainError('INVALID_STATE', `The return is ${ret.status}, not REQUESTED`);
    const now = new Date().toISOString();
    const set = { ...(note ? { note } : {}), ...(verdict === 'APPROVED' ? { approvedAt: now } : {}) };
    const moved =
      verdict === 'APPROVED'
        ? await moveReturn(ret, 'APPROVED', { set })
        : await moveReturn(ret, 'REJECTED', { set, order: { orderId: order.orderId, expectVersion: order.version, set: { returnedUnits: releasedUnits(order, ret) } } });
    if (moved) {
      logger.info('return decided', { returnId, orderId: ret.orderId, verdict });
      // An approved return's deadline and steps run in its own workflow.
      if (verdict === 'APPROVED') await startReturnWorkflow({ returnId, orderId: ret.orderId, shipBySeconds: RETURN_SHIP_BY_SECONDS });
      return (await getReturn(returnId))!;
    }
  }
  throw new Error(`return ${returnId} kept losing races; retry`);
}

/**
 * The warehouse received the return: stock moves, the refund owed and the lines'
 * refunded units are written with the return's RECEIVED, then the refund is paid and
 * the return becomes REFUNDED. Repeating it refunds nothing more.
 */
export async function receiveReturn(returnId: string, received: ReceivedLine[]): Promise<StoredReturn> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    await backoff(attempt);
    const { ret, order } = await readBoth(returnId);
    // A repeat (or a retry after a crash): finish what the record owes.
    if (ret.status === 'RECEIVED' || ret.status === 'REFUNDED') return finishReturn(returnId);
    if (ret.status !== 'APPROVED') throw new DomainError('INVALID_STATE', `The return is ${ret.status}, not APPROVED`);
    const decision = receiveDecision(order, ret, received, new Date().toISOString());
    const moved = await moveReturn(ret, 'RECEIVED', {
      set: { receivedItems: received, refundMinor: decision.refundMinor },
      order: {
        orderId: order.orderId,
        expectVersion: order.version,
        set: {
          items: decision.items,
          returnedUnits: decision.returnedUnits,
          ...(decision.payment ? { payment: decision.payment } : {}),
          // A final order owing a refund is back in the open-orders index until it is paid.
          ...(decision.refundMinor > 0 && FINAL_STATUSES.includes(order.status) ? openOrderKeys(order) : {}),
        },
      },
      stock: decision.stock,
    });
    if (moved) {
      // The workflow's wait for the goods ends from this change (streams/drive-workflows.ts).
      logger.info('return received', { returnId, orderId: ret.orderId, refundMinor: decision.refundMinor });
      return finishReturn(returnId);
    }
  }
  throw new Error(`return ${returnId} kept losing races; retry`);
}

/** Pays what a received return owes and marks it REFUNDED once its refund succeeded (nothing owed: at once). */
export async function finishReturn(returnId: string): Promise<StoredReturn> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    await backoff(attempt);
    const { ret, order } = await readBoth(returnId);
    if (ret.status !== 'RECEIVED') return ret;
    const settled = await settleRefunds(order, paymentProvidersFromEnv());
    const refundId = returnRefundIdFor(ret.orderId, ret.returnId);
    const paid = settled.payment?.refunds.some((r) => r.refundId === refundId && r.status === 'SUCCEEDED');
    if (ret.refundMinor > 0 && !paid) return ret; // still processing at the provider: its notification, then the reconciler, finish it
    if (await moveReturn(ret, 'REFUNDED')) return (await getReturn(returnId))!;
  }
  throw new Error(`return ${returnId} kept losing races; retry`);
}

/** Received returns whose refund the provider completed later (a notification): marked REFUNDED. */
export async function finishReceivedReturns(): Promise<string[]> {
  const finished: string[] = [];
  for await (const ret of returnsWithStatus('RECEIVED')) if ((await finishReturn(ret.returnId)).status === 'REFUNDED') finished.push(ret.returnId);
  return finished;
}

/**
 * The return workflow's steps (functions/workers/returns.ts). The wait for the goods is
 * recorded on the return and answered from the change stream: by this very write if the
 * goods are already in (or the return ended), else by the receipt's
 * (core/task-signals.ts). The refund and expiry steps answer once their work is done.
 */
export async function returnTask(action: string, returnId: string, taskToken: string): Promise<void> {
  if (action === 'awaitGoods') {
    await recordReturnTask(returnId, 'awaitGoods', taskToken);
    return;
  }
  if (action === 'refund') {
    await recordReturnTask(returnId, 'refund', taskToken);
    const ret = await finishReturn(returnId);
    // A refund the provider is still processing: this message comes back until it is paid.
    if (ret.status !== 'REFUNDED') throw new Error(`return ${returnId} is ${ret.status}; its refund is not paid yet`);
    await taskSucceeded(taskToken);
    return;
  }
  if (action === 'expire') {
    await recordReturnTask(returnId, 'expire', taskToken);
    await expireOne(returnId); // a receipt that won the race leaves the return as it is
    await taskSucceeded(taskToken);
    return;
  }
  throw new Error(`the returns worker has no action ${action}`);
}

/** Approved returns whose goods did not arrive within RETURN_SHIP_BY_SECONDS expire, giving their units back. */
export async function expireReturns(now = new Date()): Promise<string[]> {
  const expired: string[] = [];
  for await (const candidate of returnsWithStatus('APPROVED')) {
    if (Date.parse(candidate.approvedAt ?? candidate.updatedAt) + RETURN_SHIP_BY_SECONDS * 1000 > now.getTime()) continue;
    if (await expireOne(candidate.returnId)) expired.push(candidate.returnId);
  }
  return expired;
}

async function expireOne(returnId: string): Promise<boolean> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    await backoff(attempt);
    const { ret, order } = await readBoth(returnId);
    if (ret.status !== 'APPROVED') return false; // received meanwhile: the receipt won the race
    if (await moveReturn(ret, 'EXPIRED', { order: { orderId: order.orderId, expectVersion: order.version, set: { returnedUnits: releasedUnits(order, ret) } } })) {
      logger.warn('return expired: nothing arrived', { returnId, orderId: ret.orderId });
      return true;
    }
  }
  return false;
}

