/**
 * The smoke test a deployer runs against a staging stack, run here against the local
 * stack with the deployable sandbox function (state in DynamoDB, notifications signed
 * and sent over HTTP), as `-c sandbox=true` deploys it.
 */
import { describe, expect, it } from 'vitest';
import { useLocalStack } from '../helpers/local-stack.js';
import { smoke, smokeTokens } from '../../scripts/smoke-run.js';

const api = useLocalStack({ deployableSandbox: true }, { validateResponses: true });

describe('npm run smoke', () => {
  it('takes one order from placement to COMPLETED through the deployable sandbox', async () => {
    const steps = await smoke(api.url, await smokeTokens(api.url, {}));
    expect(steps.map((s) => s.step.split(' ')[0])).toEqual(['product', 'order', 'payment', 'paid;', 'packed', 'delivered', 'COMPLETED']);
    // The in-process sandbox saw nothing: the function served every sandbox call.
    expect(api.stack.sandbox.payments.size).toBe(0);
  });

  it('the deployable sandbox refunds once per refund id and refuses what a provider refuses', async () => {
    const created = await api.request('POST', '/sandbox/payments', { body: { orderId: 'ord-x', amountMinor: 500, currency: 'CNY' } });
    expect(created.status).toBe(200);
    const again = await api.request('POST', '/sandbox/payments', { body: { orderId: 'ord-x', amountMinor: 500, currency: 'CNY' } });
    expect(again.body.paymentId).toBe(created.body.paymentId);
    const id = created.body.paymentId as string;
    expect((await api.request('POST', `/sandbox/payments/${id}/refund`, { body: { refundId: 'rf_1', amountMinor: 100 } })).status).toBe(409);
    expect((await api.request('POST', `/sandbox/payments/${id}/succeed`, { body: { notify: false } })).status).toBe(200);
    const refunds = await Promise.all([1, 2, 3].map(() => api.request('POST', `/sandbox/payments/${id}/refund`, { body: { refundId: 'rf_1', amountMinor: 200 } })));
    expect(refunds.map((r) => r.status)).toEqual([200, 200, 200]);
    const held = await api.request('GET', `/sandbox/payments/${id}`);
    expect(held.body).toMatchObject({ status: 'PARTIALLY_REFUNDED', refundedMinor: 200, refunds: [{ refundId: 'rf_1', amountMinor: 200 }] });
    expect((await api.request('POST', `/sandbox/payments/${id}/refund`, { body: { refundId: 'rf_2', amountMinor: 301 } })).status).toBe(409);
  });
});
