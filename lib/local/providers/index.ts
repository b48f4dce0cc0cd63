/**
 * Every real payment provider's local stand-in, each on its own port with keys made
 * at start, over the shared ledger. The adapters get the matching credentials through
 * the local Secrets Manager, exactly as an operator would configure them on AWS.
 */
import type { ProviderName } from '../../../functions/adapters/payments/provider.js';
import type { Sandbox } from '../sandbox.js';
import type { PaymentStandIn } from './server.js';
import { startStripeStandIn } from './stripe.js';
import { startAlipayStandIn } from './alipay.js';
import { startWechatPayStandIn } from './wechatpay.js';
import { startPaypalStandIn } from './paypal.js';

export type RealProvider = Exclude<ProviderName, 'sandbox'>;

export async function startPaymentStandIns(ledger: Sandbox, apiUrl: string) {
  const all = {
    stripe: await startStripeStandIn(ledger, apiUrl),
    alipay: await startAlipayStandIn(ledger, apiUrl),
    wechatpay: await startWechatPayStandIn(ledger, apiUrl),
    paypal: await startPaypalStandIn(ledger, apiUrl),
  };
  return {
    ...all,
    /** A stand-in by its provider's name. */
    get(name: string): PaymentStandIn | undefined {
      return (all as Record<string, PaymentStandIn>)[name];
    },
    credentials: Object.fromEntries(Object.entries(all).map(([name, standIn]) => [name, JSON.stringify(standIn.credentials)])) as Partial<Record<RealProvider, string>>,
    async stop() {
      await Promise.all(Object.values(all).map((standIn) => standIn.server.stop()));
    },
  };
}

export type PaymentStandIns = Awaited<ReturnType<typeof startPaymentStandIns>>;
