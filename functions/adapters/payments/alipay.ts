/**
 * Alipay Open Platform, with the official `alipay-sdk`: page pay (`alipay.trade.page.pay`,
 * `out_trade_no` = our payment id, `time_expire` = the payment deadline), async
 * notifications verified by the SDK (RSA2 over the sorted parameters, Alipay's public
 * key) and answered `success`, `alipay.trade.query`, `alipay.trade.close` and
 * `alipay.trade.refund` with `out_request_no` = the refund id. Responses to our calls
 * are verified too (`validateSign`).
 *
 * Credentials (JSON secret ALIPAY_CREDENTIALS): `appId`, `privateKey` (the app's RSA
 * private key, PKCS#8, as the key tool exports it), `alipayPublicKey` (from the
 * console), `notifyUrl` (this API's /webhooks/payments/alipay), optional `returnUrl`
 * and `gateway` (the local stand-in; Alipay's own gateway otherwise).
 */
import { AlipaySdk } from 'alipay-sdk';
import * as z from 'zod/mini';
import { decimalToMinor, minorToDecimal } from '../../core/currency.js';
import { DomainError } from '../../core/errors.js';
import { credentialsLoader, pem } from './credentials.js';
import { merchantPaymentId, orderIdOfMerchantPaymentId, ProviderError, type PaymentProvider, type ProviderNotification, type ProviderPayment, PROVIDER_FACTS } from './provider.js';

const credentialsSchema = z.object({
  appId: z.string().check(z.minLength(1)),
  privateKey: z.string().check(z.minLength(1)),
  alipayPublicKey: z.string().check(z.minLength(1)),
  notifyUrl: z.url(),
  returnUrl: z.optional(z.url()),
  gateway: z.optional(z.url()),
});

/**
 * Alipay resends an unanswered notification for about 25 hours (4m, 10m, 10m, 1h, 2h,
 * 6h, 15h), each time with the original `notify_time`: a notification older than that
 * cannot be a retry, so it is refused as stale.
 */
const STALE_AFTER_MS = 26 * 3600 * 1000;

/** Alipay speaks Beijing time, `yyyy-MM-dd HH:mm:ss`. */
export function beijingTime(date: Date): string {
  return new Date(date.getTime() + 8 * 3600 * 1000).toISOString().slice(0, 19).replace('T', ' ');
}

function fromBeijingTime(text: string): number {
  return /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(text) ? Date.parse(`${text.replace(' ', 'T')}+08:00`) : NaN;
}

interface AlipayResult {
  code: string;
  msg?: string;
  subCode?: string;
  subMsg?: string;
  [field: string]: unknown;
}

const PAID = ['TRADE_SUCCESS', 'TRADE_FINISHED'];

export function alipayProvider(): PaymentProvider {
  const credentials = credentialsLoader('alipay', credentialsSchema);
  let sdk: AlipaySdk | undefined;
  const api = async () => {
    if (!sdk) {
      const { appId, privateKey, alipayPublicKey, gateway } = await credentials();
      sdk = new AlipaySdk({ appId, privateKey: pem(privateKey), alipayPublicKey: pem(alipayPublicKey), keyType: 'PKCS8', timeout: 8000, ...(gateway ? { gateway } : {}) });
    }
    return sdk;
  };
  /** Calls an Alipay API with our signature, verifying Alipay's on the answer. */
  const call = async (method: string, bizContent: Record<string, unknown>): Promise<AlipayResult> => {
    try {
      return (await (await api()).exec(method, { bizContent }, { validateSign: true })) as AlipayResult;
    } catch (error) {
      throw new ProviderError(`${method} failed: ${(error as Error).message}`);
    }
  };

  return {
    name: 'alipay',
    notificationAnswer: PROVIDER_FACTS.alipay.notificationAnswer,

    async createPayment({ orderId, amountMinor, currency, expiresAt }) {
      const { notifyUrl, returnUrl } = await credentials();
      const paymentId = merchantPaymentId(orderId);
      // The page-pay URL is signed here; Alipay creates the trade when the customer opens it.
      const checkoutUrl = (await api()).pageExecute('alipay.trade.page.pay', 'GET', {
        bizContent: {
          outTradeNo: paymentId,
          productCode: 'FAST_INSTANT_TRADE_PAY',
          totalAmount: minorToDecimal(amountMinor, currency),
          subject: `Order ${orderId}`,
          // Past the deadline the page no longer takes payment.
          timeExpire: beijingTime(new Date(expiresAt)),
          ...(currency !== 'CNY' ? { transCurrency: currency } : {}),
        },
        notifyUrl,
        ...(returnUrl ? { returnUrl } : {}),
      });
      return { provider: 'alipay', paymentId, checkoutUrl };
    },

    async verifyNotification(rawBody) {
      const params = Object.fromEntries(new URLSearchParams(rawBody));
      if (!params.sign || !(await api()).checkNotifySignV2(params)) throw new DomainError('INVALID_SIGNATURE', 'The Alipay notification signature does not verify');
      if (params.app_id !== (await credentials()).appId) throw new DomainError('INVALID_SIGNATURE', 'The Alipay notification is for another app');
      const sent = fromBeijingTime(params.notify_time ?? '');
      if (!(Date.now() - sent < STALE_AFTER_MS)) throw new DomainError('INVALID_SIGNATURE', 'The Alipay notification is stale or has no notify_time');
      return parseNotification(params);
    },

    async query(paymentId) {
      const result = await call('alipay.trade.query', { outTradeNo: paymentId });
      if (result.subCode === 'ACQ.TRADE_NOT_EXIST') return null;
      if (result.code !== '10000') throw new ProviderError(`alipay.trade.query: ${result.subCode ?? result.code} ${result.subMsg ?? ''}`);
      const currency = String(result.transCurrency ?? 'CNY');
      const amountMinor = decimalToMinor(String(result.totalAmount), currency);
      if (amountMinor === null) throw new ProviderError(`alipay.trade.query: unreadable total_amount ${String(result.totalAmount)}`);
      const status: ProviderPayment['status'] = PAID.includes(String(result.tradeStatus)) ? 'SUCCEEDED' : result.tradeStatus === 'TRADE_CLOSED' ? 'CLOSED' : 'PENDING';
      return { status, amountMinor, currency };
    },

    async close(paymentId) {
      const result = await call('alipay.trade.close', { outTradeNo: paymentId });
      // Never opened: no trade exists, and the signed page URL expires at the deadline.
      if (result.code === '10000' || result.subCode === 'ACQ.TRADE_NOT_EXIST') return 'closed';
      if (result.subCode === 'ACQ.TRADE_STATUS_ERROR') {
        const held = await this.query(paymentId);
        if (held?.status === 'CLOSED') return 'closed';
        if (held?.status === 'SUCCEEDED') return 'already-paid';
      }
      throw new ProviderError(`alipay.trade.close: ${result.subCode ?? result.code} ${result.subMsg ?? ''}`);
    },

    async refund({ paymentId, refundId, amountMinor, currency }) {
      const result = await call('alipay.trade.refund', { outTradeNo: paymentId, outRequestNo: refundId, refundAmount: minorToDecimal(amountMinor, currency) });
      // Synchronous: 10000 means refunded (a repeat of the same out_request_no answers 10000 again, fund_change N).
      if (result.code === '10000') return 'SUCCEEDED';
      if (result.code === '40004') return 'FAILED'; // a business refusal (not refundable, amount too large)
      throw new ProviderError(`alipay.trade.refund: ${result.subCode ?? result.code} ${result.subMsg ?? ''}`);
    },
  };
}

function parseNotification(params: Record<string, string>): ProviderNotification {
  const eventId = params.notify_id;
  const paymentId = params.out_trade_no ?? '';
  const orderId = orderIdOfMerchantPaymentId(paymentId);
  if (!eventId || !orderId) throw new DomainError('VALIDATION_ERROR', 'The Alipay notification has no notify_id or no out_trade_no of ours', [{ path: 'body', message: 'notify_id and out_trade_no required' }]);
  const status = params.trade_status ?? '';
  // A refund is told by the trade's notification carrying the refund's request number.
  if (params.out_biz_no && params.refund_fee) return { kind: 'refund', eventId, orderId, paymentId, refundId: params.out_biz_no, state: 'SUCCEEDED' };
  if (PAID.includes(status) || status === 'TRADE_CLOSED') {
    const currency = params.trans_currency ?? 'CNY';
    const amountMinor = decimalToMinor(params.total_amount ?? '', currency);
    if (amountMinor === null) throw new DomainError('VALIDATION_ERROR', 'The Alipay notification has no readable total_amount', [{ path: 'body.total_amount', message: 'a decimal amount' }]);
    // A trade Alipay closed without payment (expired, abandoned) can no longer pay the order.
    const type = status === 'TRADE_CLOSED' ? 'payment.failed' : 'payment.succeeded';
    return { kind: 'payment', eventId, orderId, report: { type, provider: 'alipay', paymentId, amountMinor, currency } };
  }
  return { kind: 'ignored', eventId, eventType: status || 'unknown' };
}
