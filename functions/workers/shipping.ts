/**
 * Shipping stage: choose the company for the destination, book the waybill, subscribe
 * its tracking; the order is SHIPPED once the carrier accepted it. That write records
 * the task's token too, and the workflow driver answers the task from it.
 */
import { getOrder, transition } from '../adapters/orders.js';
import { carriersFromEnv } from '../adapters/carriers/registry.js';
import { recordShipment } from '../adapters/inbox.js';
import { settle } from '../services/lifecycle.js';
import { stageWorker } from './stage-worker.js';

const carriers = carriersFromEnv();

export const handler = stageWorker('shipping', {
  async bookShipment({ orderId, taskToken }) {
    const order = await getOrder(orderId);
    if (!order) throw new Error(`order ${orderId} not found`);
    if (order.status === 'PACKED') {
      const company = carriers.choose(order.shippingAddress);
      const carrier = carriers.forCompany(company);
      // Booking again for the same order returns its waybill (the order id is the carrier's key).
      const booking = await carrier.book({ orderId, company, packages: order.packages ?? [], recipient: order.shippingAddress });
      // The lookup goes first, so the carrier's first push always finds its order.
      await recordShipment(booking.trackingNumber, orderId, booking.carrier);
      await carrier.subscribe(booking, order.shippingAddress);
      const shipped = await transition(orderId, {
        to: 'SHIPPED',
        set: { shipment: { carrier: booking.carrier, trackingNumber: booking.trackingNumber, status: null, events: [] }, taskToken, taskStage: 'shipping' },
      });
      if (shipped) return;
    }
    // Not PACKED (cancelled by an operator meanwhile, or shipped by an earlier delivery of this message): answered here.
    const current = await getOrder(orderId);
    if ((await settle(current!, 'shipping', taskToken)) === 'waiting') {
      throw new Error(`order ${orderId} is ${current!.status}; the shipping stage cannot finish yet`);
    }
  },
});
