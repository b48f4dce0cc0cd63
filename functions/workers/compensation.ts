/**
 * Compensation: finish (or, for a deadline, decide) the cancellation and its refund.
 * The order's status goes back to the workflow, which ends on CANCELLED and resumes
 * on PAID or PACKED (a deadline that lost its race).
 */
import { taskSucceeded } from '../adapters/workflow.js';
import { compensate } from '../services/cancel.js';
import { stageWorker } from './stage-worker.js';
// It calls Step Functions on (nearly) every invocation: the client loads at start, not with the first call.
import '../adapters/sfn-client.js';

export const handler = stageWorker('compensation', {
  async compensate({ orderId, taskToken, failure }) {
    const order = await compensate(orderId, failure);
    await taskSucceeded(taskToken, { status: order.status });
  },
});
