/**
 * Flash-sale stock (API.md Catalog, `stockShards`): a SKU's stock split across items.
 * Reservations stay exact and all-or-nothing, every later move lands on the shard the
 * line was reserved on, restocks spread, ops see totals.
 */
import { BatchGetItemCommand, DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { LOCAL_FUNCTION_KEY_PREFIX } from '../../lib/local/iam.js';
import { useLocalStack } from '../helpers/local-stack.js';
import { deliver, ops, pay, pickAndShip, placeOrder, product, stockOf, stockSettles, waitForStatus } from '../helpers/shop.js';

const api = useLocalStack({}, { validateResponses: true });

/** Each stock item's counters (the product item is shard 0), read as the catalog function reads them. */
async function shardsOf(sku: string) {
  const dynamo = new DynamoDBClient({ region: 'us-east-1', endpoint: api.stack.endpoints.dynamodb, credentials: { accessKeyId: `${LOCAL_FUNCTION_KEY_PREFIX}catalog`, secretAccessKey: 'local' } });
  const { Item: base } = await dynamo.send(new GetItemCommand({ TableName: 'orders', Key: { pk: { S: `PRODUCT#${sku}` }, sk: { S: 'PRODUCT' } }, ConsistentRead: true }));
  const others = Array.from({ length: Number(base!.stockShardsMax?.N ?? 1) - 1 }, (_, i) => ({ pk: { S: `STOCK#${sku}#${i + 1}` }, sk: { S: 'STOCK' } }));
  const out = others.length ? await dynamo.send(new BatchGetItemCommand({ RequestItems: { orders: { Keys: others, ConsistentRead: true } } })) : { Responses: { orders: [] } };
  return [base!, ...(out.Responses?.orders ?? [])]
    .map((item) => ({ shard: Number(item.shard?.N ?? 0), available: Number(item.available?.N ?? 0), reserved: Number(item.reserved?.N ?? 0), sold: Number(item.sold?.N ?? 0) }))
    .sort((a, b) => a.shard - b.shard);
}

describe('stock shards', () => {
  it('a flash sale on a sharded SKU: exactly the stock is sold, from many shards, and ops see totals', async () => {
    const sku = await product(api, 40, 1999, 'CNY', { stockShards: 8 });
    const shards = await shardsOf(sku);
    expect(shards).toHaveLength(8);
    // The restock was spread: 40 over 8 shards.
    expect(shards.map((s) => s.available)).toEqual([5, 5, 5, 5, 5, 5, 5, 5]);
    const replies = await Promise.all(Array.from({ length: 120 }, (_, i) => placeOrder(api, `flash-${i % 30}`, [{ sku, quantity: 1 }])));
    const created = replies.filter((r) => r.status === 201);
    expect(created).toHaveLength(40);
    for (const reply of replies.filter((r) => r.status !== 201)) {
      expect(reply.status).toBe(409);
      expect(reply.body).toMatchObject({ code: 'OUT_OF_STOCK', errors: [{ sku, requested: 1, available: 0 }] });
    }
    expect(await stockOf(api, sku)).toEqual({ available: 0, reserved: 40, sold: 0 });
    expect((await shardsOf(sku)).every((s) => s.available === 0 && s.reserved === 5)).toBe(true);
    const seen = await api.request('GET', `/products/${sku}`, { token: await ops(api) });
    expect(seen.body).toMatchObject({ stockShards: 8, available: 0, reserved: 40 });
    // Customers see `available` only.
    expect(Object.keys((await api.request('GET', `/products/${sku}`)).body).sort()).toEqual(['available', 'currency', 'name', 'priceMinor', 'sku']);
    const listed = await api.request('GET', '/products?limit=100', { token: await ops(api) });
    expect(listed.status).toBe(200);
  });

  it('a line larger than any one shard takes units from several, all or nothing with the other lines', async () => {
    const sharded = await product(api, 10, 1999, 'CNY', { stockShards: 4 }); // 3, 3, 2, 2 in some order
    const scarce = await product(api, 1);
    // The second line cannot be served: nothing is reserved on any shard of the first.
    const refused = await placeOrder(api, 'big-1', [{ sku: sharded, quantity: 7 }, { sku: scarce, quantity: 2 }]);
    expect(refused.status).toBe(409);
    expect(refused.body.errors).toEqual([{ sku: scarce, requested: 2, available: 1 }]);
    expect(await stockOf(api, sharded)).toEqual({ available: 10, reserved: 0, sold: 0 });
    // 7 units: no shard has them, the sum does.
    const big = await placeOrder(api, 'big-1', [{ sku: sharded, quantity: 7 }, { sku: scarce, quantity: 1 }]);
    expect(big.status).toBe(201);
    expect(await stockOf(api, sharded)).toEqual({ available: 3, reserved: 7, sold: 0 });
    expect((await shardsOf(sharded)).filter((s) => s.reserved > 0)).toEqual([expect.objectContaining({ reserved: 7 })]);
    const tooMany = await placeOrder(api, 'big-2', [{ sku: sharded, quantity: 4 }]);
    expect(tooMany.status).toBe(409);
    expect(tooMany.body.errors).toEqual([{ sku: sharded, requested: 4, available: 3 }]);
    // Cancelling gives the units back (to the shard they were reserved on).
    expect((await api.request('POST', `/orders/${big.body.orderId}/cancel`, { token: await api.token('big-1') })).status).toBe(202);
    expect(await stockSettles(api, sharded, { available: 10, reserved: 0, sold: 0 })).toEqual({ available: 10, reserved: 0, sold: 0 });
  });

  it('a whole lifecycle moves the units on their home shard; fewer shards give their stock back to the rest', async () => {
    const sku = await product(api, 12, 1999, 'CNY', { stockShards: 6 });
    const orderId = (await placeOrder(api, 'shard-life', [{ sku, quantity: 2 }])).body.orderId as string;
    await pay(api, 'shard-life', orderId);
    const shipped = await pickAndShip(api, 'shard-life', orderId);
    await deliver(api, 'shard-life', orderId, shipped.shipment.trackingNumber);
    expect(await stockOf(api, sku)).toEqual({ available: 10, reserved: 0, sold: 2 });
    const home = (await shardsOf(sku)).filter((s) => s.sold > 0);
    expect(home).toEqual([expect.objectContaining({ sold: 2, reserved: 0 })]);
    // 6 shards to 2: the others' available moves to shard 0; sold stays where it is.
    const token = await ops(api);
    const fewer = await api.request('PUT', `/products/${sku}`, { token, body: { name: 'Tea', priceMinor: 1999, currency: 'CNY', stockShards: 2 } });
    expect(fewer.body).toMatchObject({ stockShards: 2, available: 10, sold: 2 });
    const after = await shardsOf(sku);
    expect(after.filter((s) => s.shard >= 2).every((s) => s.available === 0)).toBe(true);
    // What is left can still be sold, every unit of it.
    const again = await placeOrder(api, 'shard-life', [{ sku, quantity: 10 }]);
    expect(again.status).toBe(201);
    await waitForStatus(api, 'shard-life', again.body.orderId, 'PENDING_PAYMENT');
    expect(await stockOf(api, sku)).toEqual({ available: 0, reserved: 10, sold: 2 });
    // Restocks spread over the two shards left.
    await api.request('POST', `/products/${sku}/restock`, { token, body: { quantity: 9 } });
    const spread = (await shardsOf(sku)).filter((s) => s.shard < 2).map((s) => s.available).sort();
    expect(spread).toEqual([4, 5]);
  });

  it('refuses shard counts outside 1 to 100', async () => {
    const token = await ops(api);
    for (const stockShards of [0, 101, 2.5]) {
      const reply = await api.request('PUT', '/products/SHARD-BAD', { token, body: { name: 'x', priceMinor: 1, currency: 'CNY', stockShards } });
      expect(reply.status).toBe(400);
      expect(reply.body.code).toBe('VALIDATION_ERROR');
    }
  });
});
