/** Shipping stage: book the carrier; the order is SHIPPED once the carrier accepted it. */
import { getOrder, transition } from '../adapters/orders.js';
import { carrierFromEnv } from '../adapters/carrier.js';
import { recordShipment } from '../adapters/inbox.js';
import { settle } from '../services/lifecycle.js';
import { stageWorker } from './stage-worker.js';

const carrier = carrierFromEnv();

export const handler = stageWorker('shipping', {
  async bookShipment({ orderId, taskToken }) {
    const order = await getOrder(orderId);
    if (!order) throw new Error(`order ${orderId} not found`);
    if (order.status === 'PACKED') {
      const booking = await carrier.book({ orderId, packages: order.packages ?? [] });
      // The lookup goes first, so the carrier's first event always finds its order.
      await recordShipment(booking.trackingNumber, orderId, booking.carrier);
      await transition(orderId, {
        to: 'SHIPPED',
        set: { shipment: { carrier: booking.carrier, trackingNumber: booking.trackingNumber, status: null, events: [] } },
      });
    }
    const current = await getOrder(orderId);
    if ((await settle(current!, 'shipping', taskToken)) === 'waiting') {
      throw new Error(`order ${orderId} is ${current!.status}; the shipping stage cannot finish yet`);
    }
  },
});
