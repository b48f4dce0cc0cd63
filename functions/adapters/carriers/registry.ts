/**
 * Which company carries a parcel (`CARRIER`: the default, `CARRIER_RULES`: JSON rules
 * by destination, first match wins; see functions/core/carriers.ts), and the adapter
 * for a company (Kuaidi100 for SF Express, ZTO and EMS) or for a webhook path.
 */
import { CARRIERS, chooseCarrier, type CarrierName, type CarrierRule, type Destination } from '../../core/carriers.js';
import { PUSH_ANSWERS, type Carrier } from './carrier.js';
import { loadOnce } from '../../shared/once.js';

export interface Carriers {
  /** The company for a destination. */
  choose(destination: Destination): CarrierName;
  forCompany(company: string): Carrier;
  forWebhook(name: string): Carrier;
}

export function carrierRouting(env: NodeJS.ProcessEnv = process.env): { fallback: CarrierName; rules: CarrierRule[] } {
  const fallback = (env.CARRIER ?? 'sandbox') as CarrierName;
  if (!CARRIERS.includes(fallback)) throw new Error(`CARRIER "${fallback}" is not one of: ${CARRIERS.join(', ')}`);
  const rules = JSON.parse(env.CARRIER_RULES ?? '[]') as CarrierRule[];
  for (const rule of rules) if (!CARRIERS.includes(rule.carrier)) throw new Error(`CARRIER_RULES names unknown carrier "${rule.carrier}"`);
  return { fallback, rules };
}

export function carriersFromEnv(): Carriers {
  const { fallback, rules } = carrierRouting();
  const built = new Map<string, Carrier>();
  const forWebhook = (name: string): Carrier => {
    if (name !== 'kuaidi100' && name !== 'sandbox') throw new Error(`Unknown carrier webhook "${name}"`);
    if (name === 'sandbox' && !process.env.SANDBOX_URL) throw new Error('The sandbox carrier needs SANDBOX_URL (the local stack sets it)');
    let carrier = built.get(name);
    if (!carrier) built.set(name, (carrier = lazyCarrier(name)));
    return carrier;
  };
  return {
    choose: (destination) => chooseCarrier(destination, fallback, rules),
    forCompany: (company) => forWebhook(company === 'sandbox' ? 'sandbox' : 'kuaidi100'),
    forWebhook,
  };
}

/** A carrier whose adapter is loaded on its first call (a failed load is tried again on the next): a cold start pays for none. */
function lazyCarrier(name: 'sandbox' | 'kuaidi100'): Carrier {
  const adapter = loadOnce(async () =>
    name === 'kuaidi100' ? (await import('./kuaidi100.js')).kuaidi100Carrier() : (await import('./sandbox.js')).sandboxCarrier(process.env.SANDBOX_URL!),
  );
  return {
    webhook: name,
    pushAnswer: PUSH_ANSWERS[name],
    book: async (request) => (await adapter()).book(request),
    subscribe: async (booking, recipient) => (await adapter()).subscribe(booking, recipient),
    verifyPush: async (rawBody, headers) => (await adapter()).verifyPush(rawBody, headers),
  };
}

/** Whether this deployment can have sent the carrier's pushes (its credentials; the sandbox's URL and secret). */
export function carrierConfigured(name: string): boolean {
  const env = process.env;
  if (name === 'sandbox') return !!env.SANDBOX_URL && !!(env.CARRIER_WEBHOOK_SECRET || env.CARRIER_WEBHOOK_SECRET_ARN);
  return !!(env.KUAIDI100_CREDENTIALS || env.KUAIDI100_CREDENTIALS_ARN);
}
