/**
 * One order from placement to COMPLETED against any stack that has the sandbox
 * provider and carrier (the local stack, or a staging stack deployed with
 * `-c sandbox=true`), printing each step with its time. `npm run smoke -- --url <ApiUrl>`
 * runs it; tests run it against the local stack.
 */
export interface SmokeTokens {
  customer: string;
  ops: string;
  warehouse: string;
}

export interface SmokeStep {
  step: string;
  ms: number;
}

type Reply = { status: number; body: unknown };

interface OrderView {
  orderId: string;
  status: string;
  payment: { paymentId: string; provider: string } | null;
  shipment: { carrier: string; trackingNumber: string } | null;
}

async function call(url: string, method: string, path: string, token?: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body: body !== undefined ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  try {
    return { status: response.status, body: text ? JSON.parse(text) : null };
  } catch {
    return { status: response.status, body: text };
  }
}

/** Tokens from the environment (a deployed stack: Cognito users in the ops and warehouse groups), or minted by a local stack. */
export async function smokeTokens(url: string, env: NodeJS.ProcessEnv = process.env): Promise<SmokeTokens> {
  if (env.SMOKE_CUSTOMER_TOKEN && env.SMOKE_OPS_TOKEN && env.SMOKE_WAREHOUSE_TOKEN) {
    return { customer: env.SMOKE_CUSTOMER_TOKEN, ops: env.SMOKE_OPS_TOKEN, warehouse: env.SMOKE_WAREHOUSE_TOKEN };
  }
  const mint = async (sub: string, groups: string[]) => {
    const reply = await call(url, 'POST', '/local/token', undefined, { sub, groups });
    if (reply.status !== 200) throw new Error(`${url} mints no tokens (not a local stack): set SMOKE_CUSTOMER_TOKEN, SMOKE_OPS_TOKEN and SMOKE_WAREHOUSE_TOKEN`);
    return (reply.body as { token: string }).token;
  };
  return { customer: await mint('smoke-customer', []), ops: await mint('smoke-operator', ['ops']), warehouse: await mint('smoke-picker', ['warehouse']) };
}

export async function smoke(url: string, tokens: SmokeTokens, log: (line: string) => void = () => undefined, timeoutMs = 60_000): Promise<SmokeStep[]> {
  const started = Date.now();
  const steps: SmokeStep[] = [];
  const done = (step: string) => {
    steps.push({ step, ms: Date.now() - started });
    log(`${String(Date.now() - started).padStart(6)} ms  ${step}`);
  };
  const expectStatus = (reply: Reply, status: number, what: string) => {
    if (reply.status !== status) throw new Error(`${what}: expected ${status}, got ${reply.status} ${JSON.stringify(reply.body)}`);
    return reply.body as OrderView;
  };
  const until = async (what: string, check: (order: OrderView) => boolean) => {
    for (const stop = Date.now() + timeoutMs; ; ) {
      const order = expectStatus(await call(url, 'GET', `/orders/${orderId}`, tokens.customer), 200, 'GET /orders/{id}');
      if (check(order)) return order;
      if (Date.now() > stop) throw new Error(`timed out waiting for ${what}; the order is ${order.status}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  };

  const sku = `SMOKE-${Date.now().toString(36).toUpperCase()}`;
  expectStatus(await call(url, 'PUT', `/products/${sku}`, tokens.ops, { name: 'Smoke test tea', priceMinor: 1999, currency: 'CNY' }), 200, 'PUT /products/{sku}');
  expectStatus(await call(url, 'POST', `/products/${sku}/restock`, tokens.ops, { quantity: 1 }), 200, 'POST /products/{sku}/restock');
  done(`product ${sku} with one unit`);
  const address = { name: 'Smoke Test', phone: '+86 100 0000 0000', line1: '1 Test Road', city: 'Shanghai', postalCode: '200000', country: 'CN' };
  const placed = expectStatus(
    await call(url, 'POST', '/orders', tokens.customer, { items: [{ sku, quantity: 1, unitPriceMinor: 1999 }], currency: 'CNY', shippingAddress: address, paymentMethod: 'alipay' }, { 'idempotency-key': `smoke-${sku}` }),
    201,
    'POST /orders',
  );
  const orderId = placed.orderId;
  done(`order ${orderId} placed (${placed.status})`);
  const withPayment = await until('the payment to be created', (o) => o.payment !== null);
  const payment = withPayment.payment!;
  done(`payment ${payment.paymentId} created at ${payment.provider}`);
  expectStatus(await call(url, 'POST', `/sandbox/payments/${payment.paymentId}/succeed`, undefined, {}), 200, 'POST /sandbox/payments/{id}/succeed');
  await until('PICKING', (o) => o.status === 'PICKING');
  done('paid; the pick task is open');
  expectStatus(await call(url, 'POST', `/warehouse/tasks/${orderId}/complete`, tokens.warehouse, { packages: [{ weightGrams: 500 }] }), 200, 'POST /warehouse/tasks/{id}/complete');
  const shipment = (await until('SHIPPED', (o) => o.status === 'SHIPPED')).shipment!;
  done(`packed and shipped (${shipment.carrier} ${shipment.trackingNumber})`);
  expectStatus(await call(url, 'POST', `/sandbox/shipments/${shipment.trackingNumber}/events`, undefined, { status: 'DELIVERED' }), 200, 'POST /sandbox/shipments/{t}/events');
  await until('DELIVERED', (o) => o.status === 'DELIVERED');
  done('delivered');
  expectStatus(await call(url, 'POST', `/orders/${orderId}/confirm-receipt`, tokens.customer), 200, 'POST /orders/{id}/confirm-receipt');
  await until('COMPLETED', (o) => o.status === 'COMPLETED');
  done('COMPLETED');
  return steps;
}
