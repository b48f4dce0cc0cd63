/** Carriers behind one interface; the sandbox carrier is the local stack's stand-in. */
export interface Booking {
  carrier: string;
  trackingNumber: string;
}

export interface Carrier {
  /** Idempotent per order. */
  book(input: { orderId: string; packages: { weightGrams: number }[] }): Promise<Booking>;
}

export function sandboxCarrier(baseUrl: string): Carrier {
  return {
    async book(input) {
      const response = await fetch(`${baseUrl}/sandbox/shipments`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(input),
        signal: AbortSignal.timeout(5000),
      });
      if (!response.ok) throw new Error(`sandbox carrier answered ${response.status}`);
      const out = (await response.json()) as { trackingNumber: string };
      return { carrier: 'sandbox', trackingNumber: out.trackingNumber };
    },
  };
}

export function carrierFromEnv(): Carrier {
  const name = process.env.CARRIER ?? 'sandbox';
  if (name === 'sandbox') {
    const url = process.env.SANDBOX_URL;
    if (!url) throw new Error('CARRIER=sandbox needs SANDBOX_URL (the local stack sets it)');
    return sandboxCarrier(url);
  }
  throw new Error(`Unknown CARRIER "${name}"`);
}
