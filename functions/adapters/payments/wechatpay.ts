/**
 * WeChat Pay API v3: Native pay (`code_url`, shown as a QR code), query and close by
 * `out_trade_no` (= our payment id), refunds with `out_refund_no` (= the refund id),
 * notifications verified over `timestamp\nnonce\nbody\n` with WeChat Pay's public key
 * (`Wechatpay-Serial` names which) and their `resource` decrypted with the APIv3 key
 * (AEAD_AES_256_GCM). Our requests are signed `WECHATPAY2-SHA256-RSA2048` and every
 * answer's signature is verified like a notification.
 *
 * Why Node's own crypto and not an npm SDK: WeChat Pay publishes no Node SDK (its
 * official ones are Java, Go and PHP); the npm packages are third-party, pull in HTTP
 * clients and X.509 parsers, and would sit in the money path for what is one RSA
 * signature, one RSA verification and one AES-GCM decryption, all in `node:crypto`.
 *
 * Credentials (JSON secret WECHATPAY_CREDENTIALS): `mchId`, `appId`, `merchantSerialNo`
 * and `merchantPrivateKey` (the merchant API certificate's), `apiV3Key` (32 bytes),
 * `platformPublicKeys` ({ "PUB_KEY_ID_…": PEM }: several during a rotation),
 * `notifyUrl` (this API's /webhooks/payments/wechatpay), optional `apiBase`.
 */
import { createDecipheriv, createSign, createVerify, randomBytes } from 'node:crypto';
import * as z from 'zod/mini';
import { DomainError } from '../../core/errors.js';
import { credentialsLoader, pem } from './credentials.js';
import { merchantPaymentId, orderIdOfMerchantPaymentId, ProviderError, providerFetch, type PaymentProvider, type ProviderNotification, type ProviderPayment, type RefundState, PROVIDER_FACTS } from './provider.js';

const credentialsSchema = z.object({
  mchId: z.string().check(z.minLength(1)),
  appId: z.string().check(z.minLength(1)),
  merchantSerialNo: z.string().check(z.minLength(1)),
  merchantPrivateKey: z.string().check(z.minLength(1)),
  apiV3Key: z.string().check(z.length(32)),
  platformPublicKeys: z.record(z.string().check(z.minLength(1)), z.string().check(z.minLength(1))).check(z.refine((keys) => Object.keys(keys).length > 0, 'at least one key')),
  notifyUrl: z.url(),
  apiBase: z.optional(z.url()),
});
type Credentials = z.infer<typeof credentialsSchema>;

const API_BASE = 'https://api.mch.weixin.qq.com';
/** WeChat Pay's documented tolerance for a notification's timestamp. */
const TOLERANCE_SECONDS = 300;

/** The message WeChat Pay signs for answers and notifications (and we sign for requests, with the method and URL first). */
export function wechatMessage(...parts: string[]): string {
  return parts.map((part) => `${part}\n`).join('');
}

/** Verifies WeChat Pay's signature headers over a body; throws INVALID_SIGNATURE. */
export function verifyWechatSignature(credentials: Pick<Credentials, 'platformPublicKeys'>, headers: Record<string, string | undefined>, body: string, now = Date.now()): void {
  const timestamp = headers['wechatpay-timestamp'];
  const nonce = headers['wechatpay-nonce'];
  const signature = headers['wechatpay-signature'];
  const serial = headers['wechatpay-serial'];
  if (!timestamp || !nonce || !signature || !serial) throw new DomainError('INVALID_SIGNATURE', 'The Wechatpay-Timestamp, -Nonce, -Signature and -Serial headers are required');
  const key = credentials.platformPublicKeys[serial];
  if (!key) throw new DomainError('INVALID_SIGNATURE', 'Wechatpay-Serial names no WeChat Pay public key configured here');
  if (!/^\d{1,12}$/.test(timestamp) || Math.abs(now / 1000 - Number(timestamp)) > TOLERANCE_SECONDS) throw new DomainError('INVALID_SIGNATURE', 'The Wechatpay-Timestamp is more than 300 s away');
  const valid = createVerify('RSA-SHA256').update(wechatMessage(timestamp, nonce, body)).verify(pem(key), signature, 'base64');
  if (!valid) throw new DomainError('INVALID_SIGNATURE', 'The WeChat Pay signature does not verify');
}

/** Opens an AEAD_AES_256_GCM resource: ciphertext is base64 of the encrypted bytes followed by the 16-byte tag. */
export function decryptResource(apiV3Key: string, resource: { ciphertext: string; nonce: string; associated_data?: string }): string {
  const data = Buffer.from(resource.ciphertext, 'base64');
  if (data.length < 17) throw new Error('ciphertext too short');
  const decipher = createDecipheriv('aes-256-gcm', Buffer.from(apiV3Key, 'utf8'), Buffer.from(resource.nonce, 'utf8'));
  decipher.setAuthTag(data.subarray(data.length - 16));
  decipher.setAAD(Buffer.from(resource.associated_data ?? '', 'utf8'));
  return Buffer.concat([decipher.update(data.subarray(0, data.length - 16)), decipher.final()]).toString('utf8');
}

const notificationSchema = z.object({
  id: z.string().check(z.minLength(1), z.maxLength(128)),
  event_type: z.string().check(z.minLength(1)),
  resource_type: z.optional(z.string()),
  resource: z.object({ algorithm: z.literal('AEAD_AES_256_GCM'), ciphertext: z.string().check(z.minLength(1)), nonce: z.string().check(z.minLength(1)), associated_data: z.optional(z.string()) }),
});

const transactionSchema = z.object({
  out_trade_no: z.string(),
  trade_state: z.string(),
  amount: z.object({ total: z.int().check(z.minimum(0)), currency: z.string().check(z.regex(/^[A-Z]{3}$/)) }),
});

const refundSchema = z.object({ out_trade_no: z.string(), out_refund_no: z.string(), refund_status: z.string() });

const PAID = ['SUCCESS', 'REFUND'];

function tradeStatus(state: string): ProviderPayment['status'] {
  if (PAID.includes(state)) return 'SUCCEEDED';
  if (state === 'CLOSED' || state === 'REVOKED') return 'CLOSED';
  if (state === 'PAYERROR') return 'FAILED';
  return 'PENDING'; // NOTPAY, USERPAYING
}

function refundState(status: string): RefundState {
  if (status === 'SUCCESS') return 'SUCCEEDED';
  if (status === 'CLOSED' || status === 'ABNORMAL') return 'FAILED';
  return 'PENDING'; // PROCESSING
}

/** WeChat Pay speaks RFC 3339 in Beijing time. */
function rfc3339Beijing(iso: string): string {
  return `${new Date(Date.parse(iso) + 8 * 3600 * 1000).toISOString().slice(0, 19)}+08:00`;
}

function bad(message: string): DomainError {
  return new DomainError('VALIDATION_ERROR', message, [{ path: 'body', message }]);
}

export function wechatPayProvider(): PaymentProvider {
  const credentials = credentialsLoader('wechatpay', credentialsSchema);

  /** A signed call; the answer's signature is verified before its body is read. */
  async function call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
    const c = await credentials();
    const text = body === undefined ? '' : JSON.stringify(body);
    const timestamp = String(Math.floor(Date.now() / 1000));
    const nonce = randomBytes(16).toString('hex');
    const signature = createSign('RSA-SHA256').update(wechatMessage(method, path, timestamp, nonce, text)).sign(pem(c.merchantPrivateKey), 'base64');
    const response = await providerFetch(`${c.apiBase ?? API_BASE}${path}`, {
      method,
      headers: {
        authorization: `WECHATPAY2-SHA256-RSA2048 mchid="${c.mchId}",nonce_str="${nonce}",signature="${signature}",timestamp="${timestamp}",serial_no="${c.merchantSerialNo}"`,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: text }),
    });
    const answer = await response.text();
    if (response.status >= 500) throw new ProviderError(`WeChat Pay answered ${response.status} to ${method} ${path}`);
    if (response.ok) {
      try {
        verifyWechatSignature(c, Object.fromEntries(response.headers), answer);
      } catch (error) {
        throw new ProviderError(`WeChat Pay's answer to ${method} ${path} is not signed by WeChat Pay: ${(error as Error).message}`);
      }
    }
    return { status: response.status, json: answer ? (JSON.parse(answer) as Record<string, unknown>) : {} };
  }

  const queryPath = (paymentId: string, mchId: string) => `/v3/pay/transactions/out-trade-no/${encodeURIComponent(paymentId)}?mchid=${encodeURIComponent(mchId)}`;

  return {
    name: 'wechatpay',
    notificationAnswer: PROVIDER_FACTS.wechatpay.notificationAnswer,

    async createPayment({ orderId, amountMinor, currency, expiresAt }) {
      const c = await credentials();
      const paymentId = merchantPaymentId(orderId);
      // Ordering again with the same out_trade_no and the same fields returns the same code_url.
      const { status, json } = await call('POST', '/v3/pay/transactions/native', {
        appid: c.appId,
        mchid: c.mchId,
        description: `Order ${orderId}`,
        out_trade_no: paymentId,
        time_expire: rfc3339Beijing(expiresAt),
        notify_url: c.notifyUrl,
        amount: { total: amountMinor, currency },
      });
      if (status !== 200 || typeof json.code_url !== 'string') throw new ProviderError(`WeChat Pay refused the payment: ${status} ${String(json.code ?? '')} ${String(json.message ?? '')}`);
      return { provider: 'wechatpay', paymentId, checkoutUrl: json.code_url };
    },

    async verifyNotification(rawBody, headers) {
      const c = await credentials();
      verifyWechatSignature(c, headers, rawBody);
      let envelope: z.infer<typeof notificationSchema>;
      let plain: unknown;
      try {
        envelope = notificationSchema.parse(JSON.parse(rawBody));
        plain = JSON.parse(decryptResource(c.apiV3Key, envelope.resource));
      } catch {
        throw bad('The WeChat Pay notification is not a readable encrypted resource');
      }
      return parseNotification(envelope.id, envelope.event_type, plain);
    },

    async query(paymentId) {
      const { mchId } = await credentials();
      const { status, json } = await call('GET', queryPath(paymentId, mchId));
      if (status === 404) return null;
      if (status !== 200) throw new ProviderError(`WeChat Pay query answered ${status} ${String(json.code ?? '')}`);
      const trade = transactionSchema.parse(json);
      return { status: tradeStatus(trade.trade_state), amountMinor: trade.amount.total, currency: trade.amount.currency };
    },

    async close(paymentId) {
      const { mchId } = await credentials();
      const { status } = await call('POST', `/v3/pay/transactions/out-trade-no/${encodeURIComponent(paymentId)}/close`, { mchid: mchId });
      if (status === 204 || status === 200) return 'closed';
      // Refused (paid meanwhile, or unknown): the trade's own state says which.
      const held = await this.query(paymentId);
      if (!held || held.status === 'CLOSED') return 'closed';
      if (held.status === 'SUCCEEDED') return 'already-paid';
      throw new ProviderError(`WeChat Pay refused to close ${paymentId} (${held.status})`);
    },

    async refund({ paymentId, refundId, amountMinor, paymentAmountMinor, currency }) {
      const { notifyUrl } = await credentials();
      const { status, json } = await call('POST', '/v3/refund/domestic/refunds', {
        out_trade_no: paymentId,
        out_refund_no: refundId,
        notify_url: notifyUrl,
        amount: { refund: amountMinor, total: paymentAmountMinor, currency },
      });
      if (status === 200) return refundState(String(json.status));
      if (status >= 400 && status < 500) return 'FAILED'; // refused: not enough left, trade not paid
      throw new ProviderError(`WeChat Pay refund answered ${status}`);
    },
  };
}

function parseNotification(eventId: string, eventType: string, plain: unknown): ProviderNotification {
  if (eventType === 'TRANSACTION.SUCCESS') {
    const trade = transactionSchema.safeParse(plain);
    const orderId = trade.success ? orderIdOfMerchantPaymentId(trade.data.out_trade_no) : null;
    if (!trade.success || !orderId) throw bad('The WeChat Pay transaction is unreadable or not ours');
    const { out_trade_no: paymentId, trade_state: state, amount } = trade.data;
    if (!PAID.includes(state)) return { kind: 'ignored', eventId, eventType: `${eventType} ${state}` };
    return { kind: 'payment', eventId, orderId, report: { type: 'payment.succeeded', provider: 'wechatpay', paymentId, amountMinor: amount.total, currency: amount.currency } };
  }
  if (eventType.startsWith('REFUND.')) {
    const refund = refundSchema.safeParse(plain);
    const orderId = refund.success ? orderIdOfMerchantPaymentId(refund.data.out_trade_no) : null;
    if (!refund.success || !orderId) throw bad('The WeChat Pay refund is unreadable or not ours');
    const state = refundState(refund.data.refund_status);
    if (state === 'PENDING') return { kind: 'ignored', eventId, eventType };
    return { kind: 'refund', eventId, orderId, paymentId: refund.data.out_trade_no, refundId: refund.data.out_refund_no, state };
  }
  return { kind: 'ignored', eventId, eventType };
}
