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
  /** How many items the stock is split across (core/stock-shards.ts); 1 is unsharded. */
  stockShards: number;
}

export const STOCK_COUNTERS = ['available', 'reserved', 'sold', 'writtenOff', 'backordered'] as const;
export type StockCounters = Record<(typeof STOCK_COUNTERS)[number], number>;

/** A product's totals: its counters summed over every stock item (shard) it has. */
export function sumCounters(items: readonly Partial<Record<string, unknown>>[]): StockCounters {
  const totals = { available: 0, reserved: 0, sold: 0, writtenOff: 0, backordered: 0 };
  for (const item of items) for (const name of STOCK_COUNTERS) totals[name] += typeof item[name] === 'number' ? item[name] : 0;
  return totals;
}

/** Has the product ever had stock items beyond its own item (its counters are then one shard's, its totals sums)? */
export const hasStockItems = (item: Record<string, unknown>): boolean => ((item.stockShardsMax as number) ?? 1) > 1;
