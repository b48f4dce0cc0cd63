/**
 * What a deployment is configured with (CDK context, see README "Deploying"), checked
 * before anything is synthesized: a configuration that would deploy functions that
 * crash at cold start, or a stack that cannot take a payment, is refused with a
 * message that says what to set.
 */
export const PAYMENT_PROVIDERS = ['sandbox'] as const;
export const CARRIERS = ['sandbox'] as const;

export interface DeploymentConfiguration {
  /** Which payment provider and carrier adapters the functions use. */
  paymentProvider?: string;
  carrier?: string;
  /** For the sandbox adapters: where the sandbox provider and carrier answer. */
  sandboxUrl?: string;
  /** Deploy the sandbox provider and carrier as a function behind the same API (staging only). */
  sandbox?: boolean;
  /** Origins allowed to call the API from a browser (CORS); default any (bearer tokens, no cookies). */
  corsOrigins?: string[];
  /** Where the hosted sign-in may send users back (authorization code with PKCE); none: sign-in by SRP from the app only. */
  callbackUrls?: string[];
  deadlines?: Record<string, number>;
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
export function configurationProblems(config: DeploymentConfiguration): string[] {
  const problems: string[] = [];
  const provider = config.paymentProvider ?? 'sandbox';
  const carrier = config.carrier ?? 'sandbox';
  if (!(PAYMENT_PROVIDERS as readonly string[]).includes(provider)) {
    problems.push(`paymentProvider "${provider}" is not one of: ${PAYMENT_PROVIDERS.join(', ')} (real providers are not built yet)`);
  }
  if (!(CARRIERS as readonly string[]).includes(carrier)) problems.push(`carrier "${carrier}" is not one of: ${CARRIERS.join(', ')}`);
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
  for (const [name, value] of Object.entries(config.deadlines ?? {})) {
    if (!Number.isInteger(value) || value < 1) problems.push(`${name} must be a whole number of seconds >= 1, got ${value}`);
  }
  return problems;
}
