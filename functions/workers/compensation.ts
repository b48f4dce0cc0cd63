/**
 * Compensation: finish (or, for a deadline, decide) the cancellation and its refund.
 * The order's status goes back to the workflow, which ends on CANCELLED and resumes
 * on PAID or PACKED (a deadline that lost its race). A cancelled order records the
 * task's token and the workflow driver answers it from that change; an order that
 * moved on (rare) is answered here, so no later stage's token is overwritten.
 */
import { recordTask } from '../adapters/orders.js';
import { taskSucceeded } from '../adapters/workflow.js';
import { compensate } from '../services/cancel.js';
import { stageWorker } from './stage-worker.js';

export const handler = stageWorker('compensation', {
  async compensate({ orderId, taskToken, failure }) {
    const order = await compensate(orderId, failure);
    if (order.status === 'CANCELLED' && (await recordTask(orderId, 'compensation', taskToken, ['CANCELLED'])).stored) return;
    await taskSucceeded(taskToken, { status: order.status });
  },
});
