/** Webhook secret rotation: while two secrets are configured, events signed with either verify. */
import { describe, expect, it } from 'vitest';
import { signedHeaders } from '../helpers/webhooks.js';
import { DEFAULT_SECRETS } from '../../lib/local/stack.js';
import { SANDBOX_PAYMENTS, useLocalStack } from '../helpers/local-stack.js';
import { paymentIdOf, placeOrder, product, waitForStatus } from '../helpers/shop.js';

const OLD = DEFAULT_SECRETS.PAYMENT_WEBHOOK_SECRET;
const NEW = `whsec_${Buffer.from('the-next-payment-webhook-secret').toString('base64')}`;
const api = useLocalStack({ env: { ...SANDBOX_PAYMENTS, PAYMENT_WEBHOOK_SECRET: `${OLD} ${NEW}` } });

function send(secret: string, body: string, id: string) {
  return api.request('POST', '/webhooks/payments/sandbox', { rawBody: body, headers: signedHeaders(secret, body, { id }) });
}

describe('webhook secret rotation', () => {
  it('accepts the old and the new secret, and nothing else', async () => {
    const sku = await product(api, 5);
    const { body } = await placeOrder(api, 'rot', [{ sku, quantity: 1 }]);
    const paymentId = await paymentIdOf(api, 'rot', body.orderId);
    const event = JSON.stringify({ type: 'payment.succeeded', data: { paymentId, orderId: body.orderId, amountMinor: 1999, currency: 'CNY' } });
    const stranger = `whsec_${Buffer.from('someone-else').toString('base64')}`;
    expect((await send(stranger, event, 'msg_rot_0')).status).toBe(401);
    expect((await send(OLD, event, 'msg_rot_1')).status).toBe(200);
    expect((await send(NEW, event, 'msg_rot_2')).status).toBe(200);
    await waitForStatus(api, 'rot', body.orderId, 'PICKING');
    // The sandbox provider itself already signs with the new secret.
    const second = await placeOrder(api, 'rot', [{ sku, quantity: 1 }]);
    const secondPayment = await paymentIdOf(api, 'rot', second.body.orderId);
    expect((await api.request('POST', `/sandbox/payments/${secondPayment}/succeed`)).body.delivered.status).toBe(200);
  });
});
