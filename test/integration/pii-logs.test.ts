/**
 * Names, phone numbers and addresses never reach the logs: whole order lifecycles
 * (happy, cancelled, refused, crashed) run with every log line captured at DEBUG,
 * and the capture is searched for the personal data the tests sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useLocalStack } from '../helpers/local-stack.js';
import { deliver, pay, pickAndShip, product, waitForStatus } from '../helpers/shop.js';

// Parcels go through Kuaidi100 (SF Express), which is given the recipient's name, phone and address.
const api = useLocalStack({ env: { POWERTOOLS_LOG_LEVEL: 'DEBUG', POWERTOOLS_METRICS_DISABLED: 'false', CARRIER: 'shunfeng' }, visibilityTimeoutSeconds: 1 });

const PII = {
  name: 'Zhuge Kongming-Secret',
  phone: '+86 139 8765 4321',
  line1: '77 Hidden Dragon Lane',
  line2: 'Apartment Sleeping-Phoenix 9',
  city: 'Nanyang-Privatecity',
  region: 'Jingzhou-Privateregion',
  postalCode: '473099',
  country: 'CN',
};

const captured: string[] = [];
const originals = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };
beforeAll(() => {
  // Captured, not echoed: DEBUG logs of whole lifecycles would drown the test report.
  const tap = ((chunk: string | Uint8Array) => (captured.push(String(chunk)), true)) as typeof process.stdout.write;
  process.stdout.write = tap;
  process.stderr.write = tap;
});
afterAll(() => {
  process.stdout.write = originals.out;
  process.stderr.write = originals.err;
});

function order(skus: string[], key: string, extra: Record<string, unknown> = {}) {
  return {
    token: '',
    body: { items: skus.map((sku) => ({ sku, quantity: 1, unitPriceMinor: 1999 })), currency: 'CNY', shippingAddress: PII, paymentMethod: 'card', ...extra },
    headers: { 'idempotency-key': key },
  };
}

describe('personal data in logs', () => {
  it('never appears, whatever happens to the order', async () => {
    const sku = await product(api, 10);
    const token = await api.token('pii-customer');
    const place = async (key: string, skus = [sku], extra = {}) => api.request('POST', '/orders', { ...order(skus, key, extra), token });

    // Happy path to COMPLETED.
    const happy = (await place('pii-1')).body.orderId as string;
    await pay(api, 'pii-customer', happy);
    const shipped = await pickAndShip(api, 'pii-customer', happy);
    await deliver(api, 'pii-customer', happy, shipped.shipment.trackingNumber);
    await api.request('POST', `/orders/${happy}/confirm-receipt`, { token });
    await waitForStatus(api, 'pii-customer', happy, 'COMPLETED');

    // Cancelled after payment (refund), a replay, and refused requests of every kind.
    const cancelled = (await place('pii-2')).body.orderId as string;
    await pay(api, 'pii-customer', cancelled);
    await api.request('POST', `/orders/${cancelled}/cancel`, { token });
    await waitForStatus(api, 'pii-customer', cancelled, 'CANCELLED');
    await place('pii-2');
    expect((await place('pii-2', [sku, `${sku}-X`])).status).toBe(422);
    expect((await place('pii-3', ['NO-SUCH-SKU'])).status).toBe(422);
    expect((await place('pii-4', [sku], { unexpected: PII.name })).status).toBe(400);
    expect((await api.request('POST', '/orders', { token, rawBody: JSON.stringify(order([sku], 'x').body).slice(0, -5), headers: { 'idempotency-key': 'pii-5' } })).status).toBe(400);

    // A crash mid-lifecycle: the callback after the pick's write is lost once (the workflow driver's retry sends it).
    const crashed = (await place('pii-6')).body.orderId as string;
    api.stack.stepFunctions.faults.failSignals.set(`${crashed}/Picking`, 3);
    await pay(api, 'pii-customer', crashed);
    const picker = await api.token('picker', ['warehouse']);
    expect((await api.request('POST', `/warehouse/tasks/${crashed}/complete`, { token: picker })).status).toBe(200);
    await waitForStatus(api, 'pii-customer', crashed, 'SHIPPED');

    const logs = captured.join('');
    expect(logs.length).toBeGreaterThan(1000); // the capture really saw the functions' logs
    expect(logs).toContain(happy);
    for (const [field, value] of Object.entries(PII)) {
      if (field === 'country') continue;
      expect(logs.includes(value), `${field} leaked into the logs`).toBe(false);
    }
  });
});
