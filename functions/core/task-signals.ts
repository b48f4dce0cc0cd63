/**
 * What an order's open workflow task is owed, read from the order's record alone.
 *
 * The payment and picking stages record their task token on the order and wait. Whoever
 * moves the order on (a payment webhook, the warehouse, a cancel) only writes the order;
 * the signal follows from the recorded change (functions/streams/drive-workflows.ts):
 * failed if the order was cancelled (the workflow's Catch compensates), succeeded once
 * the order has got past the stage, nothing while it waits. The shipping stage records
 * its token with the write that makes the order SHIPPED, and compensation with the
 * order it leaves CANCELLED: their own work ends their task.
 */
import { hasReached, type CancellationReason, type OrderStatus, type Stage } from './order.js';

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

export type TaskResolution = { outcome: 'succeeded'; output: { status: OrderStatus } } | { outcome: 'failed'; error: string; cause: { reason: CancellationReason } };

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
export function openTaskResolution(order: TaskHolder): { token: string; stage: Stage; resolution: TaskResolution } | null {
  if (!order.taskToken || !order.taskStage) return null;
  // Recorded once its work is done: the workflow goes on from the status it left.
  const resolution: TaskResolution | null = order.taskStage === 'compensation' ? { outcome: 'succeeded', output: { status: order.status } } : resolutionFor(order, order.taskStage);
  return resolution ? { token: order.taskToken, stage: order.taskStage, resolution } : null;
}

/**
 * The signal a change of the order owes: its open task has just become resolvable (it
 * waited before the change, or the change recorded a new task). A later change of an
 * order whose task was already resolvable owes nothing: that signal was owed, and sent,
 * by the change that made it so (a task ends once; PACKED then cancelled by an operator
 * does not fail the picking task that PACKED ended).
 */
export function signalOwed(before: TaskHolder | undefined, after: TaskHolder): ReturnType<typeof openTaskResolution> {
  const now = openTaskResolution(after);
  if (!now) return null;
  if (before && before.taskToken === now.token && openTaskResolution(before)) return null;
  return now;
}
