/**
 * What an order's (or a return's) open workflow task is owed, read from its record alone.
 *
 * The payment and picking stages record their task token on the order and wait. Whoever
 * moves the order on (a payment webhook, the warehouse, a cancel) only writes the order;
 * the signal follows from the recorded change (functions/streams/drive-workflows.ts):
 * failed if the order was cancelled (the workflow's Catch compensates), succeeded once
 * the order has got past the stage, nothing while it waits. The shipping stage records
 * its token with the write that makes the order SHIPPED, and compensation with the
 * order it leaves CANCELLED: their own work ends their task. A return's wait for its
 * goods ends the same way, from the warehouse's receipt.
 */
import { hasReached, type CancellationReason, type OrderStatus, type Stage } from './order.js';
import type { ReturnStatus } from './returns.js';

/** The stages that wait for the order to move on (compensation only reports where it left the order). */
export type WaitingStage = Exclude<Stage, 'compensation'>;

/** The status that ends each stage's wait. */
export const STAGE_DONE: Record<WaitingStage, OrderStatus> = {
  payment: 'PAID',
  picking: 'PACKED',
  shipping: 'SHIPPED',
  delivery: 'DELIVERED',
  receipt: 'COMPLETED',
};

/** The workflow error a cancelled order's open task fails with (names the cause in the execution's history). */
const CANCEL_ERRORS: Partial<Record<CancellationReason, string>> = {
  PAYMENT_FAILED: 'Payment.Failed',
  OUT_OF_STOCK: 'Stock.Shortage',
};

export type TaskResolution = { outcome: 'succeeded'; output: object } | { outcome: 'failed'; error: string; cause: object };

/** A recorded task and how it ends now. */
export interface OwedSignal {
  token: string;
  stage: string;
  resolution: TaskResolution;
}

/** The fields of an order that decide its task's signal. */
export interface TaskHolder {
  status: OrderStatus;
  taskToken?: string;
  taskStage?: Stage;
  cancellation?: { reason: CancellationReason } | null;
}

/** How a stage's task ends given the order's status, or null while it still waits. */
export function resolutionFor(order: Pick<TaskHolder, 'status' | 'cancellation'>, stage: WaitingStage): TaskResolution | null {
  if (order.status === 'CANCELLED') {
    const reason = order.cancellation?.reason ?? 'CUSTOMER_CANCELLED';
    return { outcome: 'failed', error: CANCEL_ERRORS[reason] ?? 'Order.Cancelled', cause: { reason } };
  }
  if (hasReached(order.status, STAGE_DONE[stage])) return { outcome: 'succeeded', output: { status: order.status } };
  return null;
}

/** The order's recorded open task and how it ends now, or null when it has none or it still waits. */
export function openTaskResolution(order: TaskHolder): OwedSignal | null {
  if (!order.taskToken || !order.taskStage) return null;
  // Recorded once its work is done: the workflow goes on from the status it left.
  const resolution: TaskResolution | null = order.taskStage === 'compensation' ? { outcome: 'succeeded', output: { status: order.status } } : resolutionFor(order, order.taskStage);
  return resolution ? { token: order.taskToken, stage: order.taskStage, resolution } : null;
}

/**
 * The signal a change owes: the recorded task has just become resolvable (it waited
 * before the change, or the change recorded a new task). A later change of an item
 * whose task was already resolvable owes nothing: that signal was owed, and sent, by
 * the change that made it so (a task ends once; PACKED then cancelled by an operator
 * does not fail the picking task that PACKED ended).
 */
function owedBetween<T extends { taskToken?: string }>(resolve: (item: T) => OwedSignal | null, before: T | undefined, after: T): OwedSignal | null {
  const now = resolve(after);
  if (!now) return null;
  if (before && before.taskToken === now.token && resolve(before)) return null;
  return now;
}

/** What a change of an order owes its workflow's open task. */
export const signalOwed = (before: TaskHolder | undefined, after: TaskHolder): OwedSignal | null => owedBetween(openTaskResolution, before, after);

/** The fields of a return that decide its task's signal. */
export interface ReturnTaskHolder {
  status: ReturnStatus;
  taskToken?: string;
  taskStage?: string;
}

/**
 * A return's recorded wait for the goods (statemachines/return-lifecycle.asl.json
 * `AwaitGoods`) ends when the warehouse has received them; it fails (`Return.Ended`, the
 * workflow ends) once the return can no longer be received. The refund and expiry
 * steps report their own work.
 */
export function openReturnTaskResolution(ret: ReturnTaskHolder): OwedSignal | null {
  if (!ret.taskToken || ret.taskStage !== 'awaitGoods' || ret.status === 'APPROVED') return null;
  const resolution: TaskResolution =
    ret.status === 'RECEIVED' || ret.status === 'REFUNDED' ? { outcome: 'succeeded', output: {} } : { outcome: 'failed', error: 'Return.Ended', cause: { status: ret.status } };
  return { token: ret.taskToken, stage: ret.taskStage, resolution };
}

/** What a change of a return owes its workflow's open task. */
export const returnSignalOwed = (before: ReturnTaskHolder | undefined, after: ReturnTaskHolder): OwedSignal | null => owedBetween(openReturnTaskResolution, before, after);
