/**
 * WeChat Pay API v3, played locally: Native orders, query and close by out_trade_no,
 * domestic refunds (answered PROCESSING, then completed by a REFUND.SUCCESS
 * notification), every request's WECHATPAY2-SHA256-RSA2048 signature checked with the
 * merchant's public key, every answer and notification signed with WeChat Pay's key,
 * notification resources encrypted AES-256-GCM with the APIv3 key. Keys made at start.
 */
import { createCipheriv, createSign, createVerify, generateKeyPairSync, randomBytes } from 'node:crypto';
import { newUlid } from '../../../functions/shared/ids.js';
import { wechatMessage } from '../../../functions/adapters/payments/wechatpay.js';
import { ProviderRefusal, type Outcome } from '../../../functions/sandbox/model.js';
import type { Sandbox, SandboxPayment } from '../sandbox.js';
import { notify, standInServer, type NotificationOptions, type PaymentStandIn, type SignedNotification, type StandInReply, type StandInRequest } from './server.js';

const keyPair = () => generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });

function tradeState(payment: SandboxPayment): string {
  return { PENDING: 'NOTPAY', SUCCEEDED: 'SUCCESS', PARTIALLY_REFUNDED: 'REFUND', REFUNDED: 'REFUND', FAILED: 'PAYERROR', CLOSED: 'CLOSED' }[payment.status];
}

export async function startWechatPayStandIn(ledger: Sandbox, apiUrl: string) {
  const merchant = keyPair();
  const platform = keyPair();
  const mchId = String(1_900_000_000 + randomBytes(3).readUIntBE(0, 3));
  const appId = `wx${randomBytes(8).toString('hex')}`;
  const merchantSerialNo = randomBytes(20).toString('hex').toUpperCase();
  const platformKeyId = `PUB_KEY_ID_${randomBytes(16).toString('hex').toUpperCase()}`;
  const apiV3Key = randomBytes(16).toString('hex');
  const notifyUrl = `${apiUrl}/webhooks/payments/wechatpay`;
  const codeUrls = new Map<string, string>();

  /** WeChat Pay's signature headers over a body, made `ageSeconds` ago, with its key (or, forged, another). */
  const signed = (body: string, options: NotificationOptions = {}): Record<string, string> => {
    const timestamp = String(Math.floor(Date.now() / 1000) - (options.ageSeconds ?? 0));
    const nonce = randomBytes(16).toString('hex');
    const signature = createSign('RSA-SHA256').update(wechatMessage(timestamp, nonce, body)).sign(options.forged ? keyPair().privateKey : platform.privateKey, 'base64');
    return { 'wechatpay-timestamp': timestamp, 'wechatpay-nonce': nonce, 'wechatpay-signature': signature, 'wechatpay-serial': platformKeyId };
  };
  const reply = (status: number, value?: unknown): StandInReply => {
    const body = value === undefined ? '' : JSON.stringify(value);
    return { status, headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...signed(body) }, body };
  };
  const refusal = (status: number, code: string, message: string) => ({ status, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code, message }) });

  const transaction = (payment: SandboxPayment) => ({
    appid: appId,
    mchid: mchId,
    out_trade_no: payment.paymentId,
    transaction_id: `4200${payment.paymentId.slice(4)}`,
    trade_state: tradeState(payment),
    amount: { total: payment.amountMinor, payer_total: payment.amountMinor, currency: payment.currency, payer_currency: payment.currency },
  });

  const notification = (eventType: string, originalType: string, plain: unknown, options: NotificationOptions = {}): SignedNotification => {
    const nonce = randomBytes(6).toString('hex');
    const cipher = createCipheriv('aes-256-gcm', Buffer.from(apiV3Key, 'utf8'), Buffer.from(nonce, 'utf8'));
    cipher.setAAD(Buffer.from(originalType, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(JSON.stringify(plain), 'utf8'), cipher.final(), cipher.getAuthTag()]).toString('base64');
    const eventId = options.eventId ?? newUlid();
    const rawBody = JSON.stringify({
      id: eventId,
      create_time: new Date().toISOString(),
      resource_type: 'encrypt-resource',
      event_type: eventType,
      summary: eventType === 'TRANSACTION.SUCCESS' ? '支付成功' : '退款成功',
      resource: { original_type: originalType, algorithm: 'AEAD_AES_256_GCM', ciphertext, associated_data: originalType, nonce },
    });
    return { eventId, rawBody, headers: { 'content-type': 'application/json', ...signed(rawBody, options) } };
  };
  const paymentNotification = (payment: SandboxPayment, _outcome: Outcome, options?: NotificationOptions) =>
    notification('TRANSACTION.SUCCESS', 'transaction', transaction(payment), options);
  const send = (note: SignedNotification) => notify(notifyUrl, note.rawBody, note.headers, note.eventId);

  /** The merchant's WECHATPAY2-SHA256-RSA2048 Authorization, checked as WeChat Pay does. */
  function authorized(request: StandInRequest): boolean {
    const fields = Object.fromEntries([...String(request.headers.authorization ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (!String(request.headers.authorization ?? '').startsWith('WECHATPAY2-SHA256-RSA2048 ') || fields.mchid !== mchId || fields.serial_no !== merchantSerialNo) return false;
    if (Math.abs(Date.now() / 1000 - Number(fields.timestamp)) > 300) return false;
    const url = `${request.path}${request.query.size ? `?${request.query}` : ''}`;
    return createVerify('RSA-SHA256').update(wechatMessage(request.method, url, fields.timestamp!, fields.nonce_str!, request.body)).verify(merchant.publicKey, fields.signature ?? '', 'base64');
  }

  function handle(request: StandInRequest): StandInReply {
    if (!authorized(request)) return refusal(401, 'SIGN_ERROR', 'signature does not verify');
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a stand-in reads the adapter's JSON loosely, as the provider's server would
    const body = (request.body ? JSON.parse(request.body) : {}) as Record<string, any>;
    const byTradeNo = /^\/v3\/pay\/transactions\/out-trade-no\/([^/]+)(\/close)?$/.exec(request.path);
    if (request.method === 'POST' && request.path === '/v3/pay/transactions/native') {
      const paymentId = String(body.out_trade_no ?? '');
      if (!Number.isSafeInteger(body.amount?.total) || !paymentId || body.mchid !== mchId || body.appid !== appId) return refusal(400, 'PARAM_ERROR', 'invalid order');
      let codeUrl = codeUrls.get(paymentId);
      if (!codeUrl) codeUrls.set(paymentId, (codeUrl = `weixin://wxpay/bizpayurl?pr=${randomBytes(6).toString('base64url')}`));
      ledger.createPayment({ orderId: paymentId.replace(/^pay_/, 'ord_'), amountMinor: body.amount.total, currency: body.amount.currency ?? 'CNY' }, { provider: 'wechatpay', paymentId, checkoutUrl: codeUrl });
      return reply(200, { code_url: codeUrl });
    }
    if (byTradeNo) {
      const payment = ledger.payments.get(decodeURIComponent(byTradeNo[1]!));
      if (!payment || payment.provider !== 'wechatpay') return refusal(404, 'ORDER_NOT_EXIST', 'order does not exist');
      if (request.method === 'GET' && !byTradeNo[2]) return reply(200, transaction(payment));
      if (request.method === 'POST' && byTradeNo[2]) {
        if (!['PENDING', 'FAILED', 'CLOSED'].includes(payment.status)) return refusal(400, 'ORDERPAID', 'order paid');
        ledger.close(payment.paymentId);
        return reply(204);
      }
    }
    if (request.method === 'POST' && request.path === '/v3/refund/domestic/refunds') {
      const payment = ledger.payments.get(String(body.out_trade_no ?? ''));
      if (!payment || payment.provider !== 'wechatpay') return refusal(404, 'RESOURCE_NOT_EXISTS', 'order does not exist');
      const refundNo = String(body.out_refund_no ?? '');
      const repeat = payment.refunds.some((r) => r.refundId === refundNo);
      if (!repeat && body.amount?.total !== payment.amountMinor) return refusal(400, 'PARAM_ERROR', 'amount.total is not the order total');
      try {
        ledger.refund(payment.paymentId, refundNo, Number(body.amount?.refund));
      } catch (error) {
        if (!(error instanceof ProviderRefusal)) throw error;
        return refusal(403, 'NOT_ENOUGH', error.message);
      }
      const refund = { out_trade_no: payment.paymentId, out_refund_no: refundNo, refund_id: `5030${refundNo.slice(3, 20)}`, amount: body.amount };
      // Accepted now, completed a moment later by notification (as WeChat Pay does), unless a test loses it.
      if (!repeat && !standIn.loseRefundNotifications) setTimeout(() => void send(notification('REFUND.SUCCESS', 'refund', { ...refund, mchid: mchId, refund_status: 'SUCCESS' })).catch(() => undefined), 50);
      return reply(200, { ...refund, status: repeat ? 'SUCCESS' : 'PROCESSING' });
    }
    return refusal(404, 'NOT_FOUND', `no route ${request.method} ${request.path}`);
  }

  const server = await standInServer(handle);
  ledger.registerNotifier('wechatpay', async (payment, outcome, eventId) => {
    // WeChat Pay notifies successes only; a failed attempt shows in the trade's state (PAYERROR).
    if (outcome === 'fail') return { status: 0, body: 'WeChat Pay sends no notification of a failed attempt', webhookId: '' };
    return send(paymentNotification(payment, outcome, { eventId }));
  });

  const standIn = {
    name: 'wechatpay' as const,
    /** While true, refunds are made but their REFUND.SUCCESS notification is lost. */
    loseRefundNotifications: false as boolean,
    server,
    credentials: {
      mchId,
      appId,
      merchantSerialNo,
      merchantPrivateKey: merchant.privateKey,
      apiV3Key,
      platformPublicKeys: { [platformKeyId]: platform.publicKey },
      notifyUrl,
      apiBase: server.url,
    },
    paymentNotification,
  } satisfies PaymentStandIn & { loseRefundNotifications: boolean };
  return standIn;
}
