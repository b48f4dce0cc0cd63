/** Payment stage: create the payment with the provider and wait for its webhook. */
import { recordTask, getOrder } from '../adapters/orders.js';
import { paymentProvidersFromEnv } from '../adapters/payments/registry.js';
import { settle } from '../services/lifecycle.js';
import { withdrawUnrecordedPayment } from '../services/payments.js';
import { stageWorker } from './stage-worker.js';

const payments = paymentProvidersFromEnv();

export const handler = stageWorker('payment', {
  async awaitPayment({ orderId, taskToken }) {
    const order = await getOrder(orderId);
    if (!order) throw new Error(`order ${orderId} not found`);
    if (order.status !== 'PENDING_PAYMENT') {
      await settle(order, 'payment', taskToken);
      return;
    }
    // Idempotent per order at the provider: a redelivered message gets the same payment.
    const created = order.payment ?? {
      ...(await payments.forMethod(order.paymentMethod).createPayment({ orderId, amountMinor: order.totalMinor, currency: order.currency, method: order.paymentMethod, expiresAt: order.paymentDeadline })),
      status: 'PENDING' as const,
      amountMinor: order.totalMinor,
      currency: order.currency,
      paidAt: null,
      refundedAt: null,
      refundedMinor: 0,
      refunds: [],
    };
    const { stored, order: armed } = await recordTask(orderId, 'payment', taskToken, ['PENDING_PAYMENT'], { payment: created });
    // Cancelled while the payment was being created: it must not stay payable at the provider.
    if (!stored && armed?.status === 'CANCELLED' && !armed.payment) await withdrawUnrecordedPayment(orderId, created, payments);
    // Whatever happened meanwhile (paid, failed, cancelled) is settled now.
    if (armed) await settle(armed, 'payment', taskToken);
  },
});
