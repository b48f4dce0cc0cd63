/**
 * Which company carries a parcel (`CARRIER`: the default, `CARRIER_RULES`: JSON rules
 * by destination, first match wins; see functions/core/carriers.ts), and the adapter
 * for a company (Kuaidi100 for SF Express, ZTO and EMS) or for a webhook path.
 */
import { CARRIERS, chooseCarrier, type CarrierName, type CarrierRule, type Destination } from '../../core/carriers.js';
import type { Carrier } from './carrier.js';
import { kuaidi100Carrier } from './kuaidi100.js';
import { sandboxCarrier } from './sandbox.js';

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
  let sandbox: Carrier | undefined;
  let kuaidi100: Carrier | undefined;
  const forWebhook = (name: string): Carrier => {
    if (name === 'kuaidi100') return (kuaidi100 ??= kuaidi100Carrier());
    if (name === 'sandbox') {
      const url = process.env.SANDBOX_URL;
      if (!url) throw new Error('The sandbox carrier needs SANDBOX_URL (the local stack sets it)');
      return (sandbox ??= sandboxCarrier(url));
    }
    throw new Error(`Unknown carrier webhook "${name}"`);
  };
  return {
    choose: (destination) => chooseCarrier(destination, fallback, rules),
    forCompany: (company) => forWebhook(company === 'sandbox' ? 'sandbox' : 'kuaidi100'),
    forWebhook,
  };
}

/** Whether this deployment can have sent the carrier's pushes (its credentials; the sandbox's URL and secret). */
export function carrierConfigured(name: string): boolean {
  const env = process.env;
  if (name === 'sandbox') return !!env.SANDBOX_URL && !!(env.CARRIER_WEBHOOK_SECRET || env.CARRIER_WEBHOOK_SECRET_ARN);
  return !!(env.KUAIDI100_CREDENTIALS || env.KUAIDI100_CREDENTIALS_ARN);
}
