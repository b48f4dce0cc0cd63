/** A whole order, placement to completion, over HTTP against the local stack. */
import { GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { eventually, useLocalStack } from '../helpers/local-stack.js';
import { deliver, getOrder, pay, pickAndShip, placeOrder, product, stockOf, waitForStatus } from '../helpers/shop.js';

const api = useLocalStack({}, { validateResponses: true });
const ORDER_LINE = ['PENDING_PAYMENT', 'PAID', 'PICKING', 'PACKED', 'SHIPPED', 'DELIVERED', 'COMPLETED'];

describe('an order from placement to completion', () => {
  it('moves stock available -> reserved -> sold and keeps a forward-only history', async () => {
    const sku = await product(api, 10);
    const placed = await placeOrder(api, 'alice', [{ sku, quantity: 2 }]);
    expect(placed.status).toBe(201);
    expect(placed.headers.get('location')).toBe(`/orders/${placed.body.orderId}`);
    expect(placed.body).toMatchObject({ status: 'PENDING_PAYMENT', customerId: 'alice', totalMinor: 3998, currency: 'CNY', payment: null });
    const orderId: string = placed.body.orderId;
    expect(orderId).toMatch(/^ord_[0-9A-Z]{26}$/);
    expect(await stockOf(api, sku)).toEqual({ available: 8, reserved: 2, sold: 0 });

    const picking = await pay(api, 'alice', orderId);
    expect(picking.payment).toMatchObject({ provider: 'alipay', status: 'SUCCEEDED', amountMinor: 3998, currency: 'CNY' });
    expect(picking.payment.checkoutUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/gateway\.do\?method=alipay\.trade\.page\.pay&/);
    expect(await stockOf(api, sku)).toEqual({ available: 8, reserved: 0, sold: 2 });

    const tasks = await api.request('GET', '/warehouse/tasks', { token: await api.token('picker-1', ['warehouse']) });
    expect(tasks.body.items).toContainEqual(expect.objectContaining({ orderId, items: [expect.objectContaining({ sku, quantity: 2 })] }));

    const shipped = await pickAndShip(api, 'alice', orderId);
    expect(shipped.shipment).toMatchObject({ carrier: 'sandbox', status: null, events: [] });
    const afterPick = await api.request('GET', '/warehouse/tasks', { token: await api.token('picker-1', ['warehouse']) });
    expect(afterPick.body.items.map((t: { orderId: string }) => t.orderId)).not.toContain(orderId);

    const delivered = await deliver(api, 'alice', orderId, shipped.shipment.trackingNumber);
    expect(delivered.shipment.status).toBe('DELIVERED');

    const confirmed = await api.request('POST', `/orders/${orderId}/confirm-receipt`, { token: await api.token('alice') });
    expect(confirmed.status).toBe(200);
    const completed = await waitForStatus(api, 'alice', orderId, 'COMPLETED');
    expect(completed.history.map((h: { status: string }) => h.status)).toEqual(ORDER_LINE);
    const times = completed.history.map((h: { at: string }) => h.at);
    expect([...times].sort()).toEqual(times);
    expect(await stockOf(api, sku)).toEqual({ available: 8, reserved: 0, sold: 2 });

    // The workflow ended, within the budget of 12 state transitions.
    const sfn = new SFNClient({ endpoint: api.stack.endpoints.sfn, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const executionArn = api.stack.stepFunctions.executionArn(orderId);
    const history = await eventually(async () => {
      const out = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
      return out.events?.some((e) => e.type === 'ExecutionSucceeded') ? out.events : null;
    });
    const transitions = history.filter((e) => e.type?.endsWith('StateEntered')).length;
    expect(transitions).toBeLessThanOrEqual(12);

    // Repeating the confirmation is harmless.
    const again = await api.request('POST', `/orders/${orderId}/confirm-receipt`, { token: await api.token('alice') });
    expect(again.status).toBe(200);
    expect(again.body.status).toBe('COMPLETED');
  });

  it('completes at once when the customer confirms receipt while SHIPPED', async () => {
    const sku = await product(api, 3);
    const { body } = await placeOrder(api, 'bob', [{ sku, quantity: 1 }]);
    await pay(api, 'bob', body.orderId);
    await pickAndShip(api, 'bob', body.orderId);
    const confirmed = await api.request('POST', `/orders/${body.orderId}/confirm-receipt`, { token: await api.token('bob') });
    expect(confirmed.status).toBe(200);
    const done = await waitForStatus(api, 'bob', body.orderId, 'COMPLETED');
    expect(done.history.map((h: { status: string }) => h.status)).toEqual(['PENDING_PAYMENT', 'PAID', 'PICKING', 'PACKED', 'SHIPPED', 'COMPLETED']);
    // A late DELIVERED event is recorded but moves nothing backwards.
    await api.request('POST', `/sandbox/shipments/${done.shipment.trackingNumber}/events`, { body: { status: 'DELIVERED' } });
    const after = await getOrder(api, 'bob', body.orderId);
    expect(after.status).toBe('COMPLETED');
    expect(after.shipment.events).toHaveLength(1);
  });

  it('refuses to confirm receipt before shipping, and lists only the caller\'s orders', async () => {
    const sku = await product(api, 2);
    const { body } = await placeOrder(api, 'carol', [{ sku, quantity: 1 }]);
    const early = await api.request('POST', `/orders/${body.orderId}/confirm-receipt`, { token: await api.token('carol') });
    expect(early.status).toBe(409);
    expect(early.headers.get('content-type')).toBe('application/problem+json');
    expect(early.body.code).toBe('INVALID_STATE');

    const list = await api.request('GET', '/orders?limit=5', { token: await api.token('carol') });
    expect(list.status).toBe(200);
    expect(list.body.items.map((o: { orderId: string }) => o.orderId)).toEqual([body.orderId]);
    const others = await api.request('GET', '/orders', { token: await api.token('mallory') });
    expect(others.body.items).toEqual([]);
    expect((await api.request('GET', `/orders/${body.orderId}`, { token: await api.token('mallory') })).status).toBe(404);
    expect((await api.request('GET', `/orders/${body.orderId}`, { token: await api.token('operator-1', ['ops']) })).status).toBe(200);
  });
});
