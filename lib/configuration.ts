/**
 * What a deployment is configured with (CDK context, see README "Deploying"), checked
 * before anything is synthesized: a configuration that would deploy functions that
 * crash at cold start, or a stack that cannot take a payment, is refused with a
 * message that says what to set.
 */
import { DEFAULT_METHOD_PROVIDERS, PAYMENT_METHODS, PROVIDER_NAMES } from '../functions/adapters/payments/provider.js';
import { CARRIERS, type CarrierRule } from '../functions/core/carriers.js';

export interface DeploymentConfiguration {
  /**
   * Payment method -> provider, over the default: API.md's (card -> stripe, alipay ->
   * alipay, wechat_pay -> wechatpay, paypal -> paypal), or every method to the sandbox
   * when a sandbox is deployed or named (staging).
   */
  paymentProviders?: Record<string, string>;
  /** The default carrier: `sandbox`, or `shunfeng`, `zhongtong`, `ems` through Kuaidi100. */
  carrier?: string;
  /** Rules by destination, first match wins (functions/core/carriers.ts), e.g. [{ "postalCodePrefix": "85", "carrier": "ems" }]. */
  carrierRules?: CarrierRule[];
  /** For the sandbox adapters: where the sandbox provider and carrier answer. */
  sandboxUrl?: string;
  /** Deploy the sandbox provider and carrier as a function behind the same API (staging only). */
  sandbox?: boolean;
  /** Origins allowed to call the API from a browser (CORS); default any (bearer tokens, no cookies). */
  corsOrigins?: string[];
  /** Where the hosted sign-in may send users back (authorization code with PKCE); none: sign-in by SRP from the app only. */
  callbackUrls?: string[];
  deadlines?: Record<string, number>;
  /** What a shortage report that names no resolution does: CANCEL_ORDER (default), SHIP_AVAILABLE or WAIT_FOR_RESTOCK. */
  shortageResolution?: string;
  /** The Cognito Hosted UI domain prefix of the operators' console (globally unique per region; default orders-console-<account>). */
  consoleDomainPrefix?: string;
  /** The peak orders per second the API's throttling is sized for (default 1,200: a million a day with a peak hour at 100 times the average). */
  ordersPerSecond?: number;
  /** The IANA time zone whose days the reports count (default Asia/Shanghai). */
  reportTimezone?: string;
  /** Pauses between outbound webhook attempts, seconds (default API.md's, about 27 hours in all). */
  webhookRetrySchedule?: number[];
}

function isUrl(value: string, protocols: string[]): boolean {
  try {
    const url = new URL(value);
    return protocols.includes(url.protocol) && !url.username && !url.password;
  } catch {
    return false;
  }
}

/** Every problem with the configuration, each saying what to set; empty when it can be deployed. */
/** The routing a deployment gets: its own choices over the default. */
export function paymentRouting(config: DeploymentConfiguration): Record<string, string> {
  const staging = config.sandbox || !!config.sandboxUrl;
  const base: Record<string, string> = staging ? Object.fromEntries(PAYMENT_METHODS.map((method) => [method, 'sandbox'])) : { ...DEFAULT_METHOD_PROVIDERS };
  return { ...base, ...config.paymentProviders };
}

/** The real providers a deployment routes to: each gets a credentials secret. */
export function realProviders(config: DeploymentConfiguration): string[] {
  return [...new Set(Object.values(paymentRouting(config)).filter((name) => name !== 'sandbox'))].sort();
}

export function configurationProblems(config: DeploymentConfiguration): string[] {
  const problems: string[] = [];
  const routing = paymentRouting(config);
  const carrier = config.carrier ?? 'sandbox';
  for (const [method, provider] of Object.entries(routing)) {
    if (!(PAYMENT_METHODS as readonly string[]).includes(method)) problems.push(`paymentProviders: "${method}" is not a payment method (${PAYMENT_METHODS.join(', ')})`);
    if (!(PROVIDER_NAMES as readonly string[]).includes(provider)) problems.push(`paymentProviders: ${method} -> "${provider}" is not one of: ${PROVIDER_NAMES.join(', ')}`);
  }
  const provider = Object.values(routing).includes('sandbox') || (config.carrierRules ?? []).some((r) => r.carrier === 'sandbox') ? 'sandbox' : 'real';
  if (!(CARRIERS as readonly string[]).includes(carrier)) problems.push(`carrier "${carrier}" is not one of: ${CARRIERS.join(', ')}`);
  for (const rule of config.carrierRules ?? []) {
    if (!(CARRIERS as readonly string[]).includes(rule.carrier)) problems.push(`carrierRules: carrier "${rule.carrier}" is not one of: ${CARRIERS.join(', ')}`);
  }
  if (config.sandbox && config.sandboxUrl) problems.push('give either -c sandbox=true (deploy the sandbox with the API) or -c sandboxUrl=<url>, not both');
  if ((provider === 'sandbox' || carrier === 'sandbox') && !config.sandboxUrl && !config.sandbox) {
    problems.push(
      'the sandbox payment provider and carrier need a sandbox: -c sandbox=true deploys one with the API (staging only: anyone can mark its payments paid), or -c sandboxUrl=<https URL where a sandbox answers>; without either the payment and shipping functions cannot start',
    );
  } else if (config.sandboxUrl && !isUrl(config.sandboxUrl, ['https:'])) {
    problems.push(`sandboxUrl "${config.sandboxUrl}" must be an https URL without credentials`);
  }
  for (const origin of config.corsOrigins ?? []) {
    if (origin !== '*' && !(isUrl(origin, ['https:', 'http:']) && new URL(origin).origin === origin)) problems.push(`corsOrigins: "${origin}" is not an origin (scheme://host[:port]) or *`);
  }
  for (const url of config.callbackUrls ?? []) {
    const local = /^http:\/\/localhost(:\d+)?\//.test(url);
    if (!local && !isUrl(url, ['https:'])) problems.push(`callbackUrls: "${url}" must be https (or http://localhost for development)`);
  }
  if (config.shortageResolution !== undefined && !['CANCEL_ORDER', 'SHIP_AVAILABLE', 'WAIT_FOR_RESTOCK'].includes(config.shortageResolution)) {
    problems.push(`shortageResolution "${config.shortageResolution}" is not CANCEL_ORDER, SHIP_AVAILABLE or WAIT_FOR_RESTOCK`);
  }
  if (config.reportTimezone !== undefined) {
    try {
      new Intl.DateTimeFormat('en', { timeZone: config.reportTimezone });
    } catch {
      problems.push(`reportTimezone "${config.reportTimezone}" is not an IANA time zone (e.g. Asia/Shanghai)`);
    }
  }
  if (config.ordersPerSecond !== undefined && (!Number.isInteger(config.ordersPerSecond) || config.ordersPerSecond < 1 || config.ordersPerSecond > 5000)) {
    problems.push(`ordersPerSecond must be a whole number from 1 to 5000 (API Gateway's default account quota is 10,000 requests a second), got ${config.ordersPerSecond}`);
  }
  if (config.webhookRetrySchedule && (!config.webhookRetrySchedule.length || config.webhookRetrySchedule.some((s) => !Number.isInteger(s) || s < 0))) {
    problems.push(`webhookRetrySchedule must be whole seconds separated by commas, got ${config.webhookRetrySchedule.join(',')}`);
  }
  for (const [name, value] of Object.entries(config.deadlines ?? {})) {
    if (!Number.isInteger(value) || value < 1) problems.push(`${name} must be a whole number of seconds >= 1, got ${value}`);
  }
  return problems;
}

/** Whether any parcel goes through Kuaidi100 (a company as the default or in a rule): its credentials secret is then needed. */
export function usesKuaidi100(config: DeploymentConfiguration): boolean {
  return [config.carrier ?? 'sandbox', ...(config.carrierRules ?? []).map((r) => r.carrier)].some((carrier) => carrier !== 'sandbox');
}
