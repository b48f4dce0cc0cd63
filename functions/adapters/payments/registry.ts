/**
 * Which provider serves a payment method (`PAYMENT_PROVIDERS`, JSON, from the
 * deployment's configuration; API.md's routing by default), and the adapter for a
 * stored payment's own provider, whatever the routing says today.
 *
 * Each adapter (with its SDK: alipay-sdk, stripe, ...) is loaded the first time a
 * payment of its provider is touched, not when the function starts: a function loads
 * the providers it serves, and a cold start pays for none of them.
 */
import { loadOnce } from '../../shared/once.js';
import { DEFAULT_METHOD_PROVIDERS, PROVIDER_FACTS, PROVIDER_NAMES, type PaymentProvider, type ProviderName } from './provider.js';

export interface PaymentProviders {
  forMethod(method: string): PaymentProvider;
  named(name: string): PaymentProvider;
}

async function load(name: ProviderName): Promise<PaymentProvider> {
  switch (name) {
    case 'sandbox': {
      const url = process.env.SANDBOX_URL;
      if (!url) throw new Error('The sandbox provider needs SANDBOX_URL (the local stack sets it)');
      return (await import('./sandbox.js')).sandboxPaymentProvider(url);
    }
    case 'stripe':
      return (await import('./stripe.js')).stripeProvider();
    case 'alipay':
      return (await import('./alipay.js')).alipayProvider();
    case 'wechatpay':
      return (await import('./wechatpay.js')).wechatPayProvider();
    case 'paypal':
      return (await import('./paypal.js')).paypalProvider();
  }
}

/** The provider's adapter, loaded on its first call (a failed load is tried again on the next). */
function build(name: ProviderName): PaymentProvider {
  const adapter = loadOnce(() => load(name));
  const facts = PROVIDER_FACTS[name];
  return {
    name,
    notificationAnswer: facts.notificationAnswer,
    createPayment: async (input) => (await adapter()).createPayment(input),
    verifyNotification: async (rawBody, headers) => (await adapter()).verifyNotification(rawBody, headers),
    query: async (paymentId) => (await adapter()).query(paymentId),
    close: async (paymentId) => (await adapter()).close(paymentId),
    refund: async (input) => (await adapter()).refund(input),
    ...(facts.captures ? { capture: async (paymentId: string) => (await adapter()).capture!(paymentId) } : {}),
  };
}

/** Whether this deployment holds what the provider needs (its credentials; the sandbox's URL and secret). */
export function providerConfigured(name: string): boolean {
  const env = process.env;
  if (name === 'sandbox') return !!env.SANDBOX_URL && !!(env.PAYMENT_WEBHOOK_SECRET || env.PAYMENT_WEBHOOK_SECRET_ARN);
  const variable = `${name.toUpperCase()}_CREDENTIALS`;
  return !!(env[variable] || env[`${variable}_ARN`]);
}

export function methodProviders(text = process.env.PAYMENT_PROVIDERS): Record<string, ProviderName> {
  if (!text) return { ...DEFAULT_METHOD_PROVIDERS };
  const routing = JSON.parse(text) as Record<string, string>;
  for (const [method, provider] of Object.entries(routing)) {
    if (!(PROVIDER_NAMES as readonly string[]).includes(provider)) throw new Error(`PAYMENT_PROVIDERS routes ${method} to unknown provider "${provider}"`);
  }
  return { ...DEFAULT_METHOD_PROVIDERS, ...(routing as Record<string, ProviderName>) };
}

export function paymentProvidersFromEnv(): PaymentProviders {
  const routing = methodProviders();
  const built = new Map<string, PaymentProvider>();
  const named = (name: string): PaymentProvider => {
    if (!(PROVIDER_NAMES as readonly string[]).includes(name)) throw new Error(`Unknown payment provider "${name}"`);
    let provider = built.get(name);
    if (!provider) built.set(name, (provider = build(name as ProviderName)));
    return provider;
  };
  return {
    named,
    forMethod(method) {
      const name = routing[method];
      if (!name) throw new Error(`No payment provider for method "${method}"`);
      return named(name);
    },
  };
}
