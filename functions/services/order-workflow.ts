/**
 * Starting an order's execution: from the change stream when the order is written
 * (streams/drive-workflows.ts), and again by the reconciler or an operator for one
 * whose start was given up. Named by the order id, so starting it twice is harmless.
 */
import { deadlines } from '../core/config.js';
import { startOrderWorkflow } from '../adapters/workflow.js';
import { once } from '../shared/once.js';

const DEADLINES = once(deadlines);

/**
 * Starts the order's execution with the time it has left to pay (its `paymentDeadline`
 * was fixed when it was placed; at least 1 s, so an expired order times out and is
 * cancelled rather than waiting a whole new window).
 */
export async function startOrderExecution(order: { orderId: string; paymentDeadline: string }, now = new Date()): Promise<void> {
  const left = Math.max(1, Math.ceil((Date.parse(order.paymentDeadline) - now.getTime()) / 1000));
  await startOrderWorkflow({ orderId: order.orderId, deadlines: { ...DEADLINES(), paymentSeconds: left } });
}
