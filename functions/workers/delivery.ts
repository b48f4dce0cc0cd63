/** Delivery stage: wait for the carrier's DELIVERED event (or the customer's confirmation). */
import { recordTask } from '../adapters/orders.js';
import { settle } from '../services/lifecycle.js';
import { stageWorker } from './stage-worker.js';

export const handler = stageWorker('delivery', {
  async awaitDelivery({ orderId, taskToken }) {
    const { order } = await recordTask(orderId, 'delivery', taskToken, ['SHIPPED']);
    if (!order) throw new Error(`order ${orderId} not found`);
    await settle(order, 'delivery', taskToken);
  },
});
