/**
 * The model-based concurrency driver: many orders, each driven by a seeded random
 * script of every actor at once (customer, payment provider, warehouse, carrier,
 * deadlines, crashes after writes, redelivered stage messages), against the real
 * local stack over HTTP. Then the invariants (./invariants.ts) are checked.
 *
 * The seed fixes every script and every pause; the interleavings the system then
 * sees are real concurrency, so a failing seed replays the same scripts, and with
 * them, very likely, the same race.
 */
import { randomUUID } from 'node:crypto';
import type { LocalStack, LocalStackOptions } from '../../lib/local/stack.js';

/** Deadlines short enough that they fire in the middle of the actors' work. */
export const MODEL_SETTINGS = {
  paymentTimeoutSeconds: 6,
  pickingTimeoutSeconds: 7,
  autoConfirmSeconds: 3,
};

export const MODEL_STACK_OPTIONS: LocalStackOptions = {
  env: {
    PAYMENT_TIMEOUT_SECONDS: String(MODEL_SETTINGS.paymentTimeoutSeconds),
    PICKING_TIMEOUT_SECONDS: String(MODEL_SETTINGS.pickingTimeoutSeconds),
    AUTO_CONFIRM_SECONDS: String(MODEL_SETTINGS.autoConfirmSeconds),
    RECONCILE_INTERVAL_SECONDS: '5',
    DUE_SWEEP_INTERVAL_SECONDS: '1',
    RECONCILE_GRACE_SECONDS: '3',
    // Lost notifications are looked for at the provider while the deadline runs too.
    RECONCILE_PAYMENT_QUERY_SECONDS: '3',
    // Returns open long enough for the actors; approved ones that never arrive expire quickly.
    RETURN_WINDOW_SECONDS: '60',
    RETURN_SHIP_BY_SECONDS: '3',
  },
  // A crashed worker's message comes back quickly.
  visibilityTimeoutSeconds: 2,
};

/** mulberry32: small, fast, good enough to pick scripts. */
export function random(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    chance: (p: number) => next() < p,
    pick<T>(items: readonly T[]): T {
      return items[Math.floor(next() * items.length)]!;
    },
    weighted<T extends string>(weights: Record<T, number>): T {
      const total = Object.values<number>(weights).reduce((a, b) => a + b, 0);
      let roll = next() * total;
      for (const [key, weight] of Object.entries<number>(weights)) {
        roll -= weight;
        if (roll < 0) return key as T;
      }
      return Object.keys(weights)[0] as T;
    },
    shuffle<T>(items: T[]): T[] {
      for (let i = items.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [items[i], items[j]] = [items[j]!, items[i]!];
      }
      return items;
    },
  };
}
export type Random = ReturnType<typeof random>;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

export interface Reply {
  status: number;
  body: any;
}

/** An HTTP client for the local stack, with the issuer's tokens. */
export class Client {
  private readonly tokens = new Map<string, Promise<string>>();
  constructor(readonly stack: LocalStack) {}

  token(sub: string, groups: string[] = []): Promise<string> {
    const key = `${sub}|${groups.join(',')}`;
    if (!this.tokens.has(key)) this.tokens.set(key, this.stack.issuer.issue({ sub, groups }));
    return this.tokens.get(key)!;
  }

  async request(method: string, path: string, options: { token?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Reply> {
    const response = await fetch(`${this.stack.url}${path}`, {
      method,
      headers: {
        ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...options.headers,
      },
      body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      // not JSON
    }
    return { status: response.status, body };
  }
}

/** How often each after-sales path ran in a run (from the orders' scripts), to see the mix exercised. */
export function afterSalesMix(run: RunRecord): Record<string, number> {
  const count = (pattern: RegExp) => run.orders.filter((o) => o.script.some((line) => pattern.test(line))).length;
  return {
    goodwill: count(/^goodwill/),
    returns: count(/^return /),
    returnsReceived: count(/^received .* -> 200/),
    shipAvailable: count(/shortage:SHIP_AVAILABLE/),
    waitForRestock: count(/shortage:WAIT_FOR_RESTOCK/),
  };
}

/** What the driver did and saw; the invariants read it with the system's state. */
export interface RunRecord {
  seed: number;
  skus: string[];
  /** Units restocked per SKU: `low` counts answered restocks, `high` also those in flight. */
  restocked: Map<string, { low: number; high: number }>;
  orders: { orderId: string; customer: string; script: string[] }[];
  rejectedAtPlacement: number;
  actions: number;
  /** Answers no actor should ever get (a 5xx that outlived the retries, an unexpected status). */
  unexpected: string[];
  /** Checks made while the run was going on (stock ledger reads). */
  liveChecks: number;
  liveViolations: string[];
  /** Returned units the warehouse received as DAMAGED (written off), per SKU. */
  damaged: Map<string, number>;
}

const PAYMENT_PLANS = { pay: 38, payDuplicates: 14, payAtDeadline: 10, payLate: 8, fail: 8, failThenPay: 5, mismatch: 6, lostNotification: 4, none: 7 } as const;
const PICK_PLANS = { complete: 50, shortage: 14, crossing: 12, shortageThenComplete: 6, completeAtDeadline: 9, none: 9 } as const;
const SHORTAGE_RESOLUTIONS = { CANCEL_ORDER: 40, SHIP_AVAILABLE: 30, WAIT_FOR_RESTOCK: 30 } as const;
const CARRIER_STATUSES = ['PICKED_UP', 'IN_TRANSIT', 'OUT_FOR_DELIVERY', 'DELIVERED'] as const;

export async function runModel(stack: LocalStack, options: { orders: number; seed: number; log?: (line: string) => void }): Promise<RunRecord> {
  const client = new Client(stack);
  const rng = random(options.seed);
  const ops = await client.token('model-operator', ['ops']);
  const warehouse = await client.token('model-picker', ['warehouse']);
  const record: RunRecord = {
    seed: options.seed,
    skus: [],
    restocked: new Map(),
    orders: [],
    rejectedAtPlacement: 0,
    actions: 0,
    unexpected: [],
    liveChecks: 0,
    liveViolations: [],
    damaged: new Map(),
  };

  /** Sends until the answer is not a 5xx (providers, carriers and clients retry), then checks it is one we expect. */
  const act = async (what: string, expected: number[], send: () => Promise<Reply>): Promise<Reply> => {
    let reply: Reply = { status: 0, body: null };
    for (let attempt = 0; attempt < 12; attempt++) {
      record.actions++;
      try {
        reply = await send();
      } catch (error) {
        // A timeout or a dropped connection: the sender cannot know what happened, and retries.
        reply = { status: 0, body: String(error) };
      }
      if (reply.status >= 200 && reply.status < 500) break;
      await sleep(150 * (attempt + 1));
    }
    if (!expected.includes(reply.status)) record.unexpected.push(`${what}: ${reply.status} ${JSON.stringify(reply.body)}`);
    return reply;
  };

  // A small catalog, so that orders contend for the same stock.
  const skuCount = Math.max(4, Math.ceil(options.orders / 40));
  for (let i = 0; i < skuCount; i++) {
    const sku = `MODEL-${options.seed}-${i}-${randomUUID().slice(0, 6)}`;
    // Every other SKU's stock is split over shards (a line then lives on its home shard; totals are sums).
    const stockShards = i % 2 ? 1 + (i % 5) : undefined;
    await act('put product', [200], () => client.request('PUT', `/products/${sku}`, { token: ops, body: { name: `Model ${i}`, priceMinor: 1000 + i * 250, currency: 'CNY', ...(stockShards ? { stockShards } : {}) } }));
    record.skus.push(sku);
    record.restocked.set(sku, { low: 0, high: 0 });
  }
  const restock = async (sku: string, quantity: number) => {
    const units = record.restocked.get(sku)!;
    units.high += quantity;
    const reply = await act('restock', [200], () => client.request('POST', `/products/${sku}/restock`, { token: ops, body: { quantity } }));
    if (reply.status === 200) units.low += quantity;
  };
  // Orders take about three units each: most find stock, some find the shelf empty.
  await Promise.all(record.skus.map((sku) => restock(sku, Math.ceil((options.orders * 2.6) / skuCount))));

  const prices = new Map<string, number>(record.skus.map((sku, i) => [sku, 1000 + i * 250]));
  let running = true;

  /** Reads every SKU while the actors work: the ledger holds at every instant, no counter below zero. */
  const watchStock = async () => {
    while (running) {
      for (const sku of record.skus) {
        const units = record.restocked.get(sku)!;
        // Restocks only grow: what was answered before the read, and what was sent by after it, bound the total.
        const low = units.low;
        const reply = await client.request('GET', `/products/${sku}`, { token: ops });
        const high = units.high;
        const p = reply.body as { available: number; reserved: number; sold: number; writtenOff: number };
        const total = p.available + p.reserved + p.sold + p.writtenOff;
        record.liveChecks += 2;
        if (Math.min(p.available, p.reserved, p.sold, p.writtenOff) < 0) record.liveViolations.push(`${sku}: a counter below zero ${JSON.stringify(p)}`);
        if (total < low || total > high) record.liveViolations.push(`${sku}: ledger ${total} outside restocks [${low}, ${high}]`);
      }
      await sleep(300);
    }
  };

  /** The warehouse's view: open pick tasks, read page by page as a WMS would poll them. */
  const pickTasks = new Map<string, { items: { sku: string; quantity: number }[] }>();
  const watchPickTasks = async () => {
    while (running) {
      let cursor: string | null = null;
      do {
        const reply: Reply = await client.request('GET', `/warehouse/tasks?limit=100${cursor ? `&cursor=${cursor}` : ''}`, { token: warehouse });
        for (const task of reply.body.items) pickTasks.set(task.orderId, task);
        cursor = reply.body.nextCursor;
      } while (cursor && running);
      await sleep(250);
    }
  };

  async function driveOrder(index: number) {
    const r = random(options.seed * 7919 + index * 104_729);
    const customer = `model-${options.seed}-${index % 37}`;
    const token = await client.token(customer);
    const lines = r.shuffle([...record.skus]).slice(0, r.int(1, 2)).map((sku) => ({ sku, quantity: r.int(1, 3), unitPriceMinor: prices.get(sku)! }));
    const body = { items: lines, currency: 'CNY', shippingAddress: { name: 'Li Lei', phone: '+86 139 0000 0000', line1: '1 Nanjing Road', city: 'Shanghai', postalCode: '200001', country: 'CN' }, paymentMethod: r.pick(['alipay', 'wechat_pay', 'card', 'paypal']) };
    const key = randomUUID();
    const place = () => act('place order', [201, 409], () => client.request('POST', '/orders', { token, body, headers: { 'idempotency-key': key } }));
    // Sometimes the client sends the same order twice at once (a double tap): one order.
    const replies = await Promise.all(r.chance(0.1) ? [place(), place()] : [place()]);
    const placed = replies.find((reply) => reply.status === 201);
    if (!placed) {
      record.rejectedAtPlacement++;
      return;
    }
    if (replies.some((reply) => reply.status === 201 && reply.body.orderId !== placed.body.orderId)) record.unexpected.push('one Idempotency-Key made two orders');
    const orderId = placed.body.orderId as string;
    const script: string[] = [];
    record.orders.push({ orderId, customer, script });
    const placedAt = Date.now();

    // A crash after a write: the next callbacks this execution's actors send are lost.
    if (r.chance(0.15)) {
      const lost = r.int(1, 2);
      stack.stepFunctions.faults.failSignals.set(orderId, lost);
      script.push(`lose ${lost} callback(s)`);
    }

    const payPlan = r.weighted(PAYMENT_PLANS);
    const pickPlan = r.weighted(PICK_PLANS);
    const cancelAt = r.chance(0.22) ? r.int(0, 6000) : null;
    // An operator's cancel may also catch the order PACKED (OPS_CANCELLED).
    const cancelledByOps = cancelAt !== null && r.chance(0.4);
    const confirmAfterShip = r.chance(0.3) ? r.int(0, 1500) : null;
    script.push(`pay:${payPlan}`, `pick:${pickPlan}`, ...(cancelAt !== null ? [`${cancelledByOps ? 'opscancel' : 'cancel'}@${cancelAt}ms`] : []), ...(confirmAfterShip !== null ? [`confirm+${confirmAfterShip}ms`] : []));

    const notify = (paymentId: string, outcome: 'succeed' | 'fail', webhookId?: string) =>
      // Each provider's own success answer (WeChat Pay's is 204); WeChat Pay sends nothing for a failure (0).
      act(`payment ${outcome} ${orderId}`, outcome === 'fail' ? [200, 204, 0] : [200, 204], async () => {
        const delivery = await stack.sandbox.notifyPayment(paymentId, outcome, webhookId);
        if (delivery?.status === 0) return { status: 204, body: delivery.body };
        return { status: delivery?.status ?? 404, body: delivery?.body };
      });
    /** The provider captures and notifies; duplicates come at the same instant, as retries (same id) or as new events. */
    // A closed payment cannot be paid: the customer's attempt is refused at the provider.
    const payNow = async (paymentId: string, copies: number) => {
      if (!stack.sandbox.capture(paymentId, 'succeed')) return void script.push('payment refused: closed');
      const id = `msg_${randomUUID()}`;
      await Promise.all(Array.from({ length: copies }, (_, i) => notify(paymentId, 'succeed', i % 2 === 0 ? id : undefined)));
    };

    /** Waits for what an actor learns: the provider's or carrier's own records (in-process stand-ins), the task list. */
    const until = async <T>(look: () => T | undefined, timeoutMs: number): Promise<T | undefined> => {
      for (const stop = Date.now() + timeoutMs; Date.now() < stop; await sleep(100)) {
        const found = look();
        if (found) return found;
      }
      return undefined;
    };

    const payer = async () => {
      // The customer pays as soon as the provider has the payment: sometimes before the order records it.
      // They open its checkout page first (a page-pay trade exists at the provider from then on).
      for (const stop = Date.now() + 8000; Date.now() < stop && !stack.sandbox.paymentOf(orderId) && !(await stack.openCheckout(orderId)); ) await sleep(100);
      const paymentId = (await until(() => stack.sandbox.paymentOf(orderId), 8000))?.paymentId;
      if (!paymentId || payPlan === 'none') return;
      const deadline = placedAt + MODEL_SETTINGS.paymentTimeoutSeconds * 1000;
      switch (payPlan) {
        case 'pay':
          await sleep(r.int(0, 1200));
          return payNow(paymentId, 1);
        case 'payDuplicates':
          await sleep(r.int(0, 1200));
          return payNow(paymentId, r.int(2, 6));
        case 'payAtDeadline':
          await sleep(deadline - Date.now() + r.int(-400, 400));
          return payNow(paymentId, r.int(1, 3));
        case 'payLate':
          await sleep(deadline - Date.now() + r.int(300, 2000));
          return payNow(paymentId, r.int(1, 2));
        case 'fail':
          await sleep(r.int(0, 1200));
          if (stack.sandbox.capture(paymentId, 'fail')) await notify(paymentId, 'fail');
          return;
        case 'failThenPay':
          if (!stack.sandbox.capture(paymentId, 'fail')) return;
          await notify(paymentId, 'fail');
          await sleep(r.int(0, 800));
          return payNow(paymentId, r.int(1, 2));
        case 'lostNotification':
          // Paid at the provider, the notification never arrives: the deadline must find it.
          await sleep(r.int(0, 1200));
          stack.sandbox.capture(paymentId, 'succeed');
          return;
        case 'mismatch': {
          await sleep(r.int(0, 1200));
          const wrong = r.chance(0.5) ? { amountMinor: stack.sandbox.paymentOf(orderId)!.amountMinor + r.int(1, 500) } : { currency: 'USD' };
          if (stack.sandbox.capture(paymentId, 'succeed', wrong)) await notify(paymentId, 'succeed');
          return;
        }
      }
    };

    const canceller = async () => {
      if (cancelAt === null) return;
      await sleep(cancelAt);
      const cancel = () =>
        cancelledByOps
          ? act(`ops cancel ${orderId}`, [202, 409], () => client.request('POST', `/ops/orders/${orderId}/cancel`, { token: ops, body: {} }))
          : act(`cancel ${orderId}`, [202, 409], () => client.request('POST', `/orders/${orderId}/cancel`, { token }));
      await Promise.all(r.chance(0.3) ? [cancel(), cancel()] : [cancel()]);
    };

    const picker = async () => {
      // The warehouse sees the order when its pick task appears in the task list.
      const task = await until(() => pickTasks.get(orderId), MODEL_SETTINGS.paymentTimeoutSeconds * 1000 + 6000);
      if (!task || pickPlan === 'none') return;
      const order = task;
      const complete = () =>
        act(`complete ${orderId}`, [200, 409], () => client.request('POST', `/warehouse/tasks/${orderId}/complete`, { token: warehouse, body: { packages: [{ weightGrams: r.int(100, 5000) }] } }));
      const resolution = r.weighted(SHORTAGE_RESOLUTIONS);
      const shortage = () => {
        const missing = order.items.filter(() => r.chance(0.6)).map((line) => ({ sku: line.sku, missing: r.int(1, line.quantity) }));
        if (!missing.length) missing.push({ sku: order.items[0]!.sku, missing: 1 });
        script.push(`shortage:${resolution}`);
        return act(`shortage ${orderId}`, [202, 409], () => client.request('POST', `/warehouse/tasks/${orderId}/shortage`, { token: warehouse, body: { items: missing, resolution } }));
      };
      await sleep(r.int(0, 900));
      switch (pickPlan) {
        case 'complete':
          await complete();
          break;
        case 'shortage':
          await shortage();
          break;
        case 'crossing':
          await Promise.all([shortage(), complete()]);
          break;
        case 'shortageThenComplete':
          await shortage();
          await complete();
          break;
        case 'completeAtDeadline': {
          const pickingSince = Date.now();
          await sleep(pickingSince + MODEL_SETTINGS.pickingTimeoutSeconds * 1000 - Date.now() + r.int(-500, 300));
          await complete();
          break;
        }
      }
    };

    const carrier = async () => {
      const trackingNumber = (await until(() => stack.sandbox.shipmentOf(orderId), 16_000))?.trackingNumber;
      if (!trackingNumber) return;
      const start = Date.now() - 3_600_000;
      const chosen = CARRIER_STATUSES.filter((status) => status === 'DELIVERED' ? r.chance(0.75) : r.chance(0.6));
      const events = chosen.map((status, i) => ({ status: status as string, occurredAt: new Date(start + i * 60_000).toISOString(), id: `msg_${randomUUID()}` }));
      // An old exception report, out of order.
      if (r.chance(0.2)) events.push({ status: 'EXCEPTION', occurredAt: new Date(start - 60_000).toISOString(), id: `msg_${randomUUID()}` });
      const send = (event: (typeof events)[number]) =>
        act(`tracking ${event.status} ${orderId}`, [200], async () => {
          const delivery = await stack.sandbox.trackingEvent(trackingNumber, event.status, event.occurredAt, event.id);
          return { status: delivery.status, body: delivery.body };
        });
      r.shuffle(events);
      // In bursts, some events twice (a carrier's retry of the same id).
      const burst = events.flatMap((event) => (r.chance(0.3) ? [event, event] : [event]));
      await Promise.all(burst.map(send));
    };

    const confirmer = async () => {
      if (confirmAfterShip === null) return;
      // The customer confirms once the parcel is on its way.
      if (!(await until(() => stack.sandbox.shipmentOf(orderId), 16_000))) return;
      await sleep(confirmAfterShip);
      await act(`confirm ${orderId}`, [200, 409], () => client.request('POST', `/orders/${orderId}/confirm-receipt`, { token }));
    };

    /** Reads the order as its customer does, until `done` says so or the time is up. */
    const watchOrder = async (done: (order: any) => boolean, timeoutMs: number) => {
      for (const stop = Date.now() + timeoutMs; Date.now() < stop; await sleep(300)) {
        const reply = await client.request('GET', `/orders/${orderId}`, { token });
        if (reply.status === 200 && done(reply.body)) return reply.body;
      }
      return null;
    };

    /** An operator refunds part of a paid order, sometimes several at once (goodwill). */
    const goodwill = async () => {
      if (!r.chance(0.15)) return;
      const paid = await watchOrder((order) => !!order.payment?.paidAt, 12_000);
      if (!paid) return;
      await sleep(r.int(0, 2000));
      const requests = Array.from({ length: r.int(1, 3) }, () => ({ key: randomUUID(), amountMinor: r.int(1, Math.max(1, Math.floor(paid.totalMinor / 2))) }));
      script.push(`goodwill ${requests.map((q) => q.amountMinor).join('+')}`);
      await Promise.all(
        requests.map((q) =>
          act(`goodwill ${orderId}`, [201, 409], () => client.request('POST', `/ops/orders/${orderId}/refunds`, { token: ops, headers: { 'idempotency-key': q.key }, body: { amountMinor: q.amountMinor, reason: 'GOODWILL' } })),
        ),
      );
    };

    /** The customer returns part of a delivered order; operators decide; the warehouse receives it, or nothing arrives. */
    const returner = async () => {
      if (!r.chance(0.7)) return;
      const delivered = await watchOrder((order) => order.status === 'DELIVERED' || order.status === 'COMPLETED' || order.status === 'CANCELLED', 25_000);
      if (!delivered || delivered.status === 'CANCELLED') return;
      const line = r.pick(delivered.items as { sku: string; quantity: number; refundedQuantity?: number }[]);
      const left = line.quantity - (line.refundedQuantity ?? 0);
      if (left <= 0) return;
      const request = () =>
        act(`return ${orderId}`, [201, 409, 422], () =>
          client.request('POST', `/orders/${orderId}/returns`, { token, headers: { 'idempotency-key': randomUUID() }, body: { items: [{ sku: line.sku, quantity: r.int(1, left), reason: 'NO_LONGER_NEEDED' }] } }),
        );
      // Sometimes two at once, racing for the same units.
      const replies = await Promise.all(r.chance(0.3) ? [request(), request()] : [request()]);
      for (const reply of replies.filter((x) => x.status === 201)) {
        const ret = reply.body as { returnId: string; items: { sku: string; quantity: number }[] };
        const approveIt = r.chance(0.8);
        script.push(`return ${ret.items[0]!.quantity} ${approveIt ? 'approved' : 'rejected'}`);
        await act(`decide return ${orderId}`, [200, 409], () => client.request('POST', `/ops/returns/${ret.returnId}/${approveIt ? 'approve' : 'reject'}`, { token: ops, body: {} }));
        if (!approveIt || !r.chance(0.8)) continue; // approved, never sent back: it expires
        await sleep(r.int(0, 2500)); // sometimes as it expires
        const arrived = r.int(0, ret.items[0]!.quantity);
        const condition = r.chance(0.3) ? 'DAMAGED' : 'RESELLABLE';
        const received = await act(`receive return ${orderId}`, [200, 409], () =>
          client.request('POST', `/warehouse/returns/${ret.returnId}/receive`, { token: warehouse, body: { items: [{ sku: ret.items[0]!.sku, quantity: arrived, condition }] } }),
        );
        script.push(`received ${arrived} ${condition} -> ${received.status}`);
        if (received.status === 200 && condition === 'DAMAGED') record.damaged.set(ret.items[0]!.sku, (record.damaged.get(ret.items[0]!.sku) ?? 0) + arrived);
      }
    };

    await Promise.all([payer(), canceller(), picker(), carrier(), confirmer(), goodwill(), returner()]);
  }

  const watchers = [watchStock(), watchPickTasks()];
  // Orders start staggered, all overlapping; a restock lands now and then.
  const drivers: Promise<void>[] = [];
  for (let i = 0; i < options.orders; i++) {
    drivers.push(sleep(i * 80 + rng.int(0, 200)).then(() => driveOrder(i)));
    if (i % 25 === 24) drivers.push(sleep(i * 80).then(() => restock(rng.pick(record.skus), rng.int(1, 5))));
  }
  await Promise.all(drivers);
  running = false;
  await Promise.all(watchers);
  options.log?.(`model: actors done (${record.orders.length} orders placed, ${record.actions} actions)`);
  return record;
}
