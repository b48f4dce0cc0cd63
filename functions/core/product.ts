/** A product and its stock counters, as operators see it (API.md "Catalog"). */
export interface Product {
  sku: string;
  name: string;
  priceMinor: number;
  currency: string;
  available: number;
  reserved: number;
  sold: number;
  /** Units that left the stock (shortages); the ledger: restocks = available + reserved + sold + writtenOff. */
  writtenOff: number;
  /** Units owed to orders waiting for a restock (WAIT_FOR_RESTOCK). */
  backordered: number;
  /** `stock.low` is published when `available` falls to or below it; 0 is off. */
  lowStockThreshold: number;
}
