/** Receipt stage: wait for the customer's confirmation; complete by itself at the deadline. */
import { getOrder, recordTask, transition } from '../adapters/orders.js';
import { settle } from '../services/lifecycle.js';
import { stageWorker } from './stage-worker.js';

export const handler = stageWorker('receipt', {
  async awaitReceipt({ orderId, taskToken }) {
    const { order } = await recordTask(orderId, 'receipt', taskToken, ['DELIVERED']);
    if (!order) throw new Error(`order ${orderId} not found`);
    await settle(order, 'receipt', taskToken);
  },
  async autoComplete({ orderId, taskToken }) {
    const order = (await transition(orderId, { to: 'COMPLETED', from: ['SHIPPED', 'DELIVERED'] })) ?? (await getOrder(orderId));
    if (!order) throw new Error(`order ${orderId} not found`);
    if ((await settle(order, 'receipt', taskToken)) === 'waiting') throw new Error(`order ${orderId} is ${order.status}; cannot auto-complete`);
  },
});
