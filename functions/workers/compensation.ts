/** Compensation: refund if paid, release stock, mark CANCELLED; then let the workflow end. */
import { taskSucceeded } from '../adapters/workflow.js';
import { compensate } from '../services/cancel.js';
import { stageWorker } from './stage-worker.js';

export const handler = stageWorker('compensation', {
  async compensate({ orderId, taskToken, failure }) {
    const order = await compensate(orderId, failure);
    await taskSucceeded(taskToken, { status: order?.status ?? 'MISSING' });
  },
});
