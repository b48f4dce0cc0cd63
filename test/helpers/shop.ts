/** Shop-level steps used by many tests: products, orders, and driving an order forward. */
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { eventually, type Api } from './local-stack.js';

export const ADDRESS = {
  name: 'Wang Fang',
  phone: '+86 138 0013 8000',
  line1: '88 Century Avenue',
  city: 'Shanghai',
  postalCode: '200120',
  country: 'CN',
};

export async function ops(api: Api) {
  return api.token('operator-1', ['ops']);
}
export async function warehouse(api: Api) {
  return api.token('picker-1', ['warehouse']);
}

let skuCounter = 0;
/** A fresh product with the given stock; returns its SKU. */
export async function product(api: Api, stock: number, priceMinor = 1999, currency = 'CNY', extra: { stockShards?: number; lowStockThreshold?: number } = {}): Promise<string> {
  const sku = `SKU-${process.pid}-${++skuCounter}-${randomUUID().slice(0, 8)}`;
  const token = await ops(api);
  expect((await api.request('PUT', `/products/${sku}`, { token, body: { name: `Tea ${skuCounter}`, priceMinor, currency, ...extra } })).status).toBe(200);
  if (stock > 0) expect((await api.request('POST', `/products/${sku}/restock`, { token, body: { quantity: stock } })).status).toBe(200);
  return sku;
}

export async function stockOf(api: Api, sku: string): Promise<{ available: number; reserved: number; sold: number }> {
  const reply = await api.request('GET', `/products/${sku}`, { token: await ops(api) });
  const { available, reserved, sold } = reply.body;
  return { available, reserved, sold };
}

export function orderBody(lines: { sku: string; quantity: number; unitPriceMinor?: number }[], currency = 'CNY') {
  return {
    items: lines.map((line) => ({ sku: line.sku, quantity: line.quantity, unitPriceMinor: line.unitPriceMinor ?? 1999 })),
    currency,
    shippingAddress: ADDRESS,
    paymentMethod: 'alipay',
  };
}

export async function placeOrder(api: Api, customer: string, lines: { sku: string; quantity: number; unitPriceMinor?: number }[], key: string = randomUUID()) {
  return api.request('POST', '/orders', { token: await api.token(customer), body: orderBody(lines), headers: { 'idempotency-key': key } });
}

export async function getOrder(api: Api, customer: string, orderId: string) {
  return (await api.request('GET', `/orders/${orderId}`, { token: await api.token(customer) })).body;
}

export async function waitForStatus(api: Api, customer: string, orderId: string, status: string, timeoutMs = 20_000) {
  return eventually(async () => {
    const order = await getOrder(api, customer, orderId);
    return order.status === status ? order : null;
  }, timeoutMs, `order ${orderId} to become ${status}`);
}

/** Waits until the payment stage created the payment, then returns its id. */
export async function paymentIdOf(api: Api, customer: string, orderId: string): Promise<string> {
  const order = await eventually(async () => {
    const current = await getOrder(api, customer, orderId);
    return current.payment ? current : null;
  }, 20_000, `payment of ${orderId}`);
  // The customer opens the checkout page (a page-pay trade exists at the provider from then on).
  await api.stack.openCheckout(orderId);
  return order.payment.paymentId;
}

export async function pay(api: Api, customer: string, orderId: string) {
  const paymentId = await paymentIdOf(api, customer, orderId);
  const reply = await api.request('POST', `/sandbox/payments/${paymentId}/succeed`);
  expect(reply.body.delivered.status).toBeGreaterThanOrEqual(200);
  expect(reply.body.delivered.status).toBeLessThan(300);
  return waitForStatus(api, customer, orderId, 'PICKING');
}

export async function pickAndShip(api: Api, customer: string, orderId: string) {
  const reply = await api.request('POST', `/warehouse/tasks/${orderId}/complete`, { token: await warehouse(api), body: { packages: [{ weightGrams: 1200 }] } });
  expect(reply.status).toBe(200);
  return waitForStatus(api, customer, orderId, 'SHIPPED');
}

export async function deliver(api: Api, customer: string, orderId: string, trackingNumber: string) {
  const reply = await api.request('POST', `/sandbox/shipments/${trackingNumber}/events`, { body: { status: 'DELIVERED' } });
  expect(reply.body.delivered.status).toBe(200);
  return waitForStatus(api, customer, orderId, 'DELIVERED');
}

/** Waits until the order is CANCELLED and its refund has gone through (refunds follow the decision). */
export async function waitForRefunded(api: Api, customer: string, orderId: string, timeoutMs = 20_000) {
  return eventually(async () => {
    const order = await getOrder(api, customer, orderId);
    return order.status === 'CANCELLED' && order.payment?.status === 'REFUNDED' ? order : null;
  }, timeoutMs, `order ${orderId} to be cancelled and refunded`);
}

/** Waits until the SKU's stock reads `expected` (stock moves follow decisions asynchronously), then returns it. */
export async function stockSettles(api: Api, sku: string, expected: { available: number; reserved: number; sold: number }) {
  const same = (a: object, b: object) => JSON.stringify(a) === JSON.stringify(b);
  await eventually(async () => same(await stockOf(api, sku), expected), 10_000, `stock of ${sku} to be ${JSON.stringify(expected)}`).catch(() => undefined);
  return stockOf(api, sku);
}

/**
 * An order whose workflow start was given up: every StartExecution fails until the
 * stream event source parks the order's change (retries spent, as in its DLQ on AWS).
 * Needs a stack with few `streamRetryAttempts`. Starts succeed again afterwards.
 */
export async function strandedOrder(api: Api, customer: string, sku: string): Promise<string> {
  const faults = api.stack.stepFunctions.faults;
  faults.failStarts = Number.MAX_SAFE_INTEGER;
  try {
    const placed = await placeOrder(api, customer, [{ sku, quantity: 1 }]);
    expect(placed.status).toBe(201);
    const orderId: string = placed.body.orderId;
    await eventually(async () => (api.stack.parkedChanges.workflowDriver ?? []).some((r) => r.dynamodb?.Keys?.pk?.S === `ORDER#${orderId}`), 20_000, `the start of ${orderId} to be parked`);
    return orderId;
  } finally {
    faults.failStarts = 0;
  }
}
