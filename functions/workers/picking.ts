/** Picking stage: open the pick task (the order becomes PICKING) and wait for the warehouse. */
import { getOrder, pickTaskKeys, recordTask, transition } from '../adapters/orders.js';
import { settle } from '../services/lifecycle.js';
import { stageWorker } from './stage-worker.js';

export const handler = stageWorker('picking', {
  async openPickTask({ orderId, taskToken }) {
    const now = new Date().toISOString();
    const picking = await transition(orderId, {
      to: 'PICKING',
      set: { taskToken, taskStage: 'picking', ...pickTaskKeys({ orderId }, now) },
    });
    const order = picking ?? (await recordTask(orderId, 'picking', taskToken, ['PICKING'])).order ?? (await getOrder(orderId));
    if (!order) throw new Error(`order ${orderId} not found`);
    await settle(order, 'picking', taskToken);
  },
});
