/**
 * Alipay, played locally: its gateway (`/gateway.do`) takes the page-pay URL a customer
 * opens (the trade exists from then on) and the adapter's signed API calls
 * (`alipay.trade.query`, `.close`, `.refund`), checking the app's RSA2 signature and
 * signing each answer with Alipay's key; it sends form-encoded async notifications
 * signed RSA2 over the sorted parameters. Both key pairs are made at start.
 */
import { createSign, createVerify, generateKeyPairSync, randomBytes } from 'node:crypto';
import { decimalToMinor, minorToDecimal } from '../../../functions/core/currency.js';
import { beijingTime } from '../../../functions/adapters/payments/alipay.js';
import { ProviderRefusal, type Outcome } from '../../../functions/sandbox/model.js';
import type { Sandbox, SandboxPayment } from '../sandbox.js';
import { notify, standInServer, type NotificationOptions, type PaymentStandIn, type SignedNotification, type StandInReply, type StandInRequest } from './server.js';

/** Alipay's string to sign: every non-empty parameter but the excluded ones, sorted, `k=v` joined by `&`. */
function signingString(params: Record<string, string>, exclude: string[]): string {
  return Object.keys(params)
    .filter((key) => !exclude.includes(key) && params[key] !== '')
    .sort()
    .map((key) => `${key}=${params[key]}`)
    .join('&');
}

const keyPair = () => generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });

function tradeStatus(payment: SandboxPayment): string {
  if (payment.status === 'PENDING') return 'WAIT_BUYER_PAY';
  if (payment.status === 'SUCCEEDED' || payment.status === 'PARTIALLY_REFUNDED') return 'TRADE_SUCCESS';
  return 'TRADE_CLOSED';
}

export async function startAlipayStandIn(ledger: Sandbox, apiUrl: string) {
  const app = keyPair();
  const alipay = keyPair();
  const appId = `20210${randomBytes(5).readUIntBE(0, 5).toString().padStart(11, '0')}`;
  const notifyUrl = `${apiUrl}/webhooks/payments/alipay`;
  const rsa2 = (text: string, privateKey: string) => createSign('RSA-SHA256').update(text, 'utf8').sign(privateKey, 'base64');

  /** An answer as Alipay signs it: the `<method>_response` JSON text, and its signature beside it. */
  const answer = (method: string, fields: Record<string, unknown>): StandInReply => {
    const content = JSON.stringify(fields);
    return { status: 200, headers: { 'content-type': 'text/html;charset=utf-8' }, body: `{"${method.replaceAll('.', '_')}_response":${content},"sign":"${rsa2(content, alipay.privateKey)}"}` };
  };
  const ok = (fields: Record<string, unknown> = {}) => ({ code: '10000', msg: 'Success', ...fields });
  const refused = (subCode: string, subMsg: string) => ({ code: '40004', msg: 'Business Failed', sub_code: subCode, sub_msg: subMsg });

  const notification = (payment: SandboxPayment, fields: Record<string, string>, options: NotificationOptions = {}): SignedNotification => {
    const eventId = options.eventId ?? randomBytes(16).toString('hex');
    const params: Record<string, string> = {
      notify_time: beijingTime(new Date(Date.now() - (options.ageSeconds ?? 0) * 1000)),
      notify_type: 'trade_status_sync',
      notify_id: eventId,
      app_id: appId,
      charset: 'utf-8',
      version: '1.0',
      trade_no: `2026${payment.paymentId.slice(4)}`,
      out_trade_no: payment.paymentId,
      total_amount: minorToDecimal(payment.amountMinor, payment.currency),
      ...(payment.currency !== 'CNY' ? { trans_currency: payment.currency } : {}),
      ...fields,
    };
    // Async notifications sign everything but sign and sign_type.
    const signature = rsa2(signingString(params, ['sign', 'sign_type']), options.forged ? keyPair().privateKey : alipay.privateKey);
    const rawBody = new URLSearchParams({ ...params, sign_type: 'RSA2', sign: signature }).toString();
    return { eventId, rawBody, headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' } };
  };
  const paymentNotification = (payment: SandboxPayment, outcome: Outcome, options?: NotificationOptions) =>
    notification(payment, { trade_status: outcome === 'succeed' ? 'TRADE_SUCCESS' : 'TRADE_CLOSED', ...(outcome === 'succeed' ? { gmt_payment: beijingTime(new Date()) } : {}) }, options);
  const send = (signed: SignedNotification) => notify(notifyUrl, signed.rawBody, signed.headers, signed.eventId);

  function handle(request: StandInRequest): StandInReply {
    if (request.path !== '/gateway.do') return { status: 404, body: 'not found' };
    const params: Record<string, string> = { ...Object.fromEntries(request.query), ...Object.fromEntries(new URLSearchParams(request.body)) };
    const method = params.method ?? '';
    const verified = params.app_id === appId && !!params.sign && createVerify('RSA-SHA256').update(signingString(params, ['sign']), 'utf8').verify(app.publicKey, params.sign, 'base64');
    if (!verified) return answer(method, { code: '40002', msg: 'Invalid Arguments', sub_code: 'isv.invalid-signature', sub_msg: 'signature does not verify' });
    const biz = JSON.parse(params.biz_content ?? '{}') as Record<string, string>;
    const payment = ledger.payments.get(biz.out_trade_no ?? '');
    const ours = payment?.provider === 'alipay' ? payment : undefined;

    if (method === 'alipay.trade.page.pay' && request.method === 'GET') {
      // The customer opens the checkout page: from now on the trade exists.
      const currency = biz.trans_currency ?? 'CNY';
      const amountMinor = decimalToMinor(biz.total_amount ?? '', currency);
      const orderId = (biz.out_trade_no ?? '').replace(/^pay_/, 'ord_');
      if (amountMinor === null || !biz.out_trade_no) return { status: 400, body: 'invalid biz_content' };
      if (biz.time_expire && biz.time_expire < beijingTime(new Date())) return { status: 410, body: 'This payment page has expired' };
      const opened = ours ?? ledger.createPayment({ orderId, amountMinor, currency }, { provider: 'alipay', paymentId: biz.out_trade_no, checkoutUrl: `${server.url}${request.path}?${request.query}` });
      return { status: 200, headers: { 'content-type': 'text/html;charset=utf-8' }, body: `<h1>Alipay (local stand-in)</h1><p>${opened.paymentId}: ${biz.total_amount} ${currency}, ${tradeStatus(opened)}</p>` };
    }
    if (!ours) {
      if (method === 'alipay.trade.close' && biz.out_trade_no) ledger.closedBeforeOpened.add(biz.out_trade_no);
      return answer(method, refused('ACQ.TRADE_NOT_EXIST', 'trade does not exist'));
    }
    const trade = { out_trade_no: ours.paymentId, trade_no: `2026${ours.paymentId.slice(4)}` };
    switch (method) {
      case 'alipay.trade.query':
        return answer(method, ok({ ...trade, trade_status: tradeStatus(ours), total_amount: minorToDecimal(ours.amountMinor, ours.currency), ...(ours.currency !== 'CNY' ? { trans_currency: ours.currency } : {}) }));
      case 'alipay.trade.close':
        if (ours.status !== 'PENDING' && ours.status !== 'FAILED' && ours.status !== 'CLOSED') return answer(method, refused('ACQ.TRADE_STATUS_ERROR', 'trade status error'));
        ledger.close(ours.paymentId);
        return answer(method, ok(trade));
      case 'alipay.trade.refund': {
        const refundId = biz.out_request_no ?? biz.out_trade_no!;
        const repeat = ours.refunds.some((r) => r.refundId === refundId);
        const amountMinor = decimalToMinor(biz.refund_amount ?? '', ours.currency);
        try {
          ledger.refund(ours.paymentId, refundId, amountMinor ?? NaN);
        } catch (error) {
          if (!(error instanceof ProviderRefusal)) throw error;
          return answer(method, refused('ACQ.TRADE_NOT_ALLOW_REFUND', error.message));
        }
        const after = ledger.payments.get(ours.paymentId)!;
        if (!repeat) {
          // Alipay also notifies the trade's change, naming the refund's request number.
          const fields = { trade_status: tradeStatus(after), out_biz_no: refundId, refund_fee: minorToDecimal(after.refundedMinor, after.currency), gmt_refund: beijingTime(new Date()) };
          setImmediate(() => void send(notification(after, fields)).catch(() => undefined));
        }
        return answer(method, ok({ ...trade, fund_change: repeat ? 'N' : 'Y', refund_fee: minorToDecimal(after.refundedMinor, after.currency) }));
      }
      default:
        return answer(method, { code: '40004', msg: 'Business Failed', sub_code: 'isv.invalid-method', sub_msg: `unknown method ${method}` });
    }
  }

  const server = await standInServer(handle);
  ledger.registerNotifier('alipay', (payment, outcome, eventId) => send(paymentNotification(payment, outcome, { eventId })));

  return {
    name: 'alipay' as const,
    server,
    credentials: { appId, privateKey: app.privateKey, alipayPublicKey: alipay.publicKey, notifyUrl, gateway: `${server.url}/gateway.do` },
    paymentNotification,
  } satisfies PaymentStandIn;
}
