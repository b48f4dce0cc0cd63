/**
 * Which provider serves a payment method (`PAYMENT_PROVIDERS`, JSON, from the
 * deployment's configuration; API.md's routing by default), and the adapter for a
 * stored payment's own provider, whatever the routing says today.
 */
import { sandboxPaymentProvider } from './sandbox.js';
import { stripeProvider } from './stripe.js';
import { alipayProvider } from './alipay.js';
import { wechatPayProvider } from './wechatpay.js';
import { paypalProvider } from './paypal.js';
import { DEFAULT_METHOD_PROVIDERS, PROVIDER_NAMES, type PaymentProvider, type ProviderName } from './provider.js';

export interface PaymentProviders {
  forMethod(method: string): PaymentProvider;
  named(name: string): PaymentProvider;
}

function build(name: ProviderName): PaymentProvider {
  switch (name) {
    case 'sandbox': {
      const url = process.env.SANDBOX_URL;
      if (!url) throw new Error('The sandbox provider needs SANDBOX_URL (the local stack sets it)');
      return sandboxPaymentProvider(url);
    }
    case 'stripe':
      return stripeProvider();
    case 'alipay':
      return alipayProvider();
    case 'wechatpay':
      return wechatPayProvider();
    case 'paypal':
      return paypalProvider();
  }
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
