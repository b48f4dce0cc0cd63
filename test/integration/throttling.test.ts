/** Abuse limits: a client over a route's configured rate gets 429, as from API Gateway, and changes nothing. */
import { describe, expect, it } from 'vitest';
import { throttling } from '../../lib/topology.js';
import { eventually, useLocalStack } from '../helpers/local-stack.js';
import { orderBody, product, stockOf } from '../helpers/shop.js';

const api = useLocalStack({
  throttling: { default: throttling.default, routes: { ...throttling.routes, 'POST /orders': { rateLimit: 2, burstLimit: 3 } } },
});

describe('throttling', () => {
  it('answers 429 past the burst, recovers at the configured rate, and throttled requests reserve nothing', async () => {
    const sku = await product(api, 100);
    const token = await api.token('flooder');
    const send = (i: number) =>
      api.request('POST', '/orders', { token, body: orderBody([{ sku, quantity: 1 }]), headers: { 'idempotency-key': `flood-${i}` } });
    const replies = await Promise.all(Array.from({ length: 12 }, (_, i) => send(i)));
    const accepted = replies.filter((r) => r.status === 201).length;
    const throttled = replies.filter((r) => r.status === 429);
    expect(accepted).toBeGreaterThanOrEqual(3);
    expect(accepted).toBeLessThanOrEqual(4);
    expect(throttled.length).toBe(12 - accepted);
    expect(throttled[0]!.body).toEqual({ message: 'Too Many Requests' });
    expect(await stockOf(api, sku)).toEqual({ available: 100 - accepted, reserved: accepted, sold: 0 });

    // Other routes have their own limits; this one refills at 2 per second.
    expect((await api.request('GET', '/products?limit=1')).status).toBe(200);
    // Polled, not slept: a throttled attempt takes no token and reserves nothing.
    await eventually(async () => (await send(100)).status === 201, 5_000, 'the route to refill');
  });
});
