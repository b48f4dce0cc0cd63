/**
 * Kuaidi100, played locally for SF Express, ZTO and EMS: electronic waybills
 * (`/label/order`, its MD5(param + t + key + secret) checked, one waybill per order id),
 * tracking subscriptions (`/poll`, SF Express refusing one without a phone) and signed
 * form pushes of the whole history (`param`, `sign` = MD5(param + salt)) to the
 * subscription's callback URL. Driven by `POST /sandbox/shipments/{trackingNumber}/events`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { isoToShanghai, KUAIDI100_COMPANIES } from '../../../functions/core/carriers.js';
import { labelSign, pushSign } from '../../../functions/adapters/carriers/kuaidi100.js';
import type { Sandbox, SandboxShipment, WebhookDelivery } from '../sandbox.js';
import { jsonReply, notify, standInServer, type StandInReply, type StandInRequest } from '../providers/server.js';

/** API.md's statuses as the Kuaidi100 main state codes the stand-in reports. */
export const STATE_CODES: Record<string, string> = { IN_TRANSIT: '0', PICKED_UP: '1', EXCEPTION: '2', DELIVERED: '3', OUT_FOR_DELIVERY: '5', RETURNED_TO_SENDER: '6' };
const CONTEXTS: Record<string, string> = { '0': '快件在运输途中', '1': '快递员已揽收', '2': '快件异常', '3': '已签收', '4': '已退签', '5': '快递员正在派件', '6': '快件已退回', '7': '快件已转投' };

export interface TrackingEntry {
  ftime: string;
  statusCode: string;
}

interface Subscription {
  company: string;
  callbackurl: string;
  salt: string;
  entries: TrackingEntry[];
}

/** What a test may change in a push: its subscription state, message and entries, or its signature. */
export interface PushOptions {
  status?: 'polling' | 'shutdown' | 'abort' | 'updateall';
  message?: string;
  /** The entries to send instead of the whole history (oldest first). */
  entries?: TrackingEntry[];
  /** The parcel's main state (`lastResult.state`); default the newest entry's. */
  state?: string;
  /** Leave out per-entry status codes (a subscription without resultv2). */
  withoutCodes?: boolean;
  sign?: 'bad' | 'missing';
}

const trackingNumberFor = (company: string) => {
  const digits = () => String(randomBytes(6).readUIntBE(0, 6)).padStart(15, '0').slice(-12);
  if (company === 'shunfeng') return `SF1${digits()}`;
  if (company === 'zhongtong') return `78${digits()}`;
  return `11${digits().slice(0, 11)}`;
};

export async function startKuaidi100StandIn(ledger: Sandbox, apiUrl: string, salt: string) {
  const key = randomBytes(12).toString('hex');
  const secret = randomBytes(16).toString('hex');
  const customer = randomBytes(16).toString('hex').toUpperCase();
  const subscriptions = new Map<string, Subscription>();

  function book(request: StandInRequest): StandInReply {
    const fields = new URLSearchParams(request.body);
    const param = fields.get('param') ?? '';
    const t = fields.get('t') ?? '';
    if (fields.get('key') !== key || fields.get('sign') !== labelSign(param, t, key, secret)) return jsonReply(200, { code: 30002, message: '验证签名失败', data: null });
    if (ledger.carrierDown) return { status: 503, body: 'service unavailable' };
    const order = JSON.parse(param) as { kuaidicom?: string; orderId?: string; recMan?: { name?: string; mobile?: string; printAddr?: string } };
    if (!KUAIDI100_COMPANIES.includes(order.kuaidicom as never) || !order.orderId) return jsonReply(200, { code: 30001, message: '参数错误', data: null });
    if (!order.recMan?.name || !order.recMan.mobile || !order.recMan.printAddr) return jsonReply(200, { code: 30001, message: '收件人信息不完整', data: null });
    // One waybill per order id, as the carriers keep it.
    const shipment = ledger.addShipment({ trackingNumber: trackingNumberFor(order.kuaidicom!), orderId: order.orderId, carrier: order.kuaidicom });
    return jsonReply(200, { code: 200, message: 'success', data: { taskId: randomBytes(8).toString('hex'), kuaidinum: shipment.trackingNumber, kuaidicom: shipment.carrier } });
  }

  function subscribe(request: StandInRequest): StandInReply {
    const param = JSON.parse(new URLSearchParams(request.body).get('param') ?? '{}') as {
      company?: string;
      number?: string;
      key?: string;
      parameters?: { callbackurl?: string; salt?: string; phone?: string };
    };
    if (param.key !== key) return jsonReply(200, { result: false, returnCode: '600', message: '您不是合法的订阅者' });
    if (!param.number || !param.company || !param.parameters?.callbackurl) return jsonReply(200, { result: false, returnCode: '700', message: '订阅参数错误' });
    if (param.company === 'shunfeng' && !/^\d{4,}$/.test(param.parameters.phone ?? '')) return jsonReply(200, { result: false, returnCode: '700', message: '顺丰单号需要提供手机号' });
    const known = subscriptions.get(param.number);
    if (known && known.callbackurl === param.parameters.callbackurl) return jsonReply(200, { result: false, returnCode: '501', message: '重复订阅' });
    subscriptions.set(param.number, { company: param.company, callbackurl: param.parameters.callbackurl, salt: param.parameters.salt ?? '', entries: known?.entries ?? [] });
    return jsonReply(200, { result: true, returnCode: '200', message: '提交成功' });
  }

  const server = await standInServer((request) => {
    if (request.method === 'POST' && request.path === '/label/order') return book(request);
    if (request.method === 'POST' && request.path === '/poll') return subscribe(request);
    return { status: 404, body: 'not found' };
  });

  /** The push Kuaidi100 would send for the parcel now: the whole history, newest first, signed with the subscription's salt. */
  function pushFor(trackingNumber: string, options: PushOptions = {}): { rawBody: string; headers: Record<string, string> } | null {
    const subscription = subscriptions.get(trackingNumber);
    if (!subscription) return null;
    const entries = [...(options.entries ?? subscription.entries)].sort((a, b) => a.ftime.localeCompare(b.ftime)).reverse();
    const state = options.state ?? entries[0]?.statusCode.slice(0, 1) ?? '0';
    const param = JSON.stringify({
      status: options.status ?? (state === '3' ? 'shutdown' : 'polling'),
      billstatus: '',
      message: options.message ?? '',
      autoCheck: '0',
      comOld: '',
      comNew: '',
      lastResult: {
        message: 'ok',
        state,
        status: '200',
        condition: 'F00',
        ischeck: state === '3' ? '1' : '0',
        com: subscription.company,
        nu: trackingNumber,
        data: entries.map((entry) => ({
          context: CONTEXTS[entry.statusCode.slice(0, 1)] ?? '快件状态更新',
          time: entry.ftime,
          ftime: entry.ftime,
          ...(options.withoutCodes ? {} : { statusCode: entry.statusCode, status: CONTEXTS[entry.statusCode.slice(0, 1)] ?? '' }),
        })),
      },
    });
    const fields = new URLSearchParams({ param, ...(options.sign === 'missing' ? {} : { sign: options.sign === 'bad' ? pushSign(param, 'not-the-salt') : pushSign(param, subscription.salt) }) });
    return { rawBody: fields.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } };
  }

  async function push(trackingNumber: string, options?: PushOptions): Promise<WebhookDelivery> {
    const signed = pushFor(trackingNumber, options);
    if (!signed) return { status: 0, body: 'not subscribed: Kuaidi100 pushes nothing', webhookId: '' };
    const subscription = subscriptions.get(trackingNumber)!;
    return notify(subscription.callbackurl, signed.rawBody, signed.headers, createHash('sha256').update(signed.rawBody).digest('hex').slice(0, 16));
  }

  for (const company of KUAIDI100_COMPANIES) {
    ledger.registerTracker(company, async (shipment: SandboxShipment, status: string, occurredAt: string) => {
      const subscription = subscriptions.get(shipment.trackingNumber);
      subscription?.entries.push({ ftime: isoToShanghai(occurredAt), statusCode: STATE_CODES[status] ?? '0' });
      return push(shipment.trackingNumber);
    });
  }

  return {
    server,
    credentials: {
      key,
      secret,
      customer,
      salt,
      callbackUrl: `${apiUrl}/webhooks/carriers/kuaidi100`,
      sender: { name: 'Orders Warehouse', mobile: '13800000000', printAddr: '上海市 浦东新区 张江路 1 号' },
      apiBase: server.url,
      pollBase: server.url,
    },
    subscriptions,
    /** Adds entries to a parcel's history without pushing (the history a later push carries). */
    record: (trackingNumber: string, entries: TrackingEntry[]) => void subscriptions.get(trackingNumber)?.entries.push(...entries),
    pushFor,
    push,
    /** Drops a subscription, as Kuaidi100 does after an abort. */
    forget: (trackingNumber: string) => void subscriptions.delete(trackingNumber),
  };
}

export type Kuaidi100StandIn = Awaited<ReturnType<typeof startKuaidi100StandIn>>;
