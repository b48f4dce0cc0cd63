/**
 * Carriers, as rules: which company takes a parcel (a default plus rules by
 * destination), and how Kuaidi100's tracking states and Beijing times read as API.md's
 * statuses and instants. Pure, so every rule is unit-tested without I/O.
 */
import type { CarrierStatus } from './order.js';

/** The carriers API.md names: the sandbox, or a Chinese company through Kuaidi100 (its codes). */
export const KUAIDI100_COMPANIES = ['shunfeng', 'zhongtong', 'ems'] as const;
export type Kuaidi100Company = (typeof KUAIDI100_COMPANIES)[number];
export const CARRIERS = ['sandbox', ...KUAIDI100_COMPANIES] as const;
export type CarrierName = (typeof CARRIERS)[number];

/** A rule of `CARRIER_RULES`: every field given must match the destination (case-insensitive); the first matching rule wins. */
export interface CarrierRule {
  country?: string;
  region?: string;
  city?: string;
  postalCodePrefix?: string;
  carrier: CarrierName;
}

export interface Destination {
  country: string;
  region?: string;
  city: string;
  postalCode: string;
}

const same = (a: string | undefined, b: string | undefined) => (a ?? '').trim().toLowerCase() === (b ?? '').trim().toLowerCase();

export function chooseCarrier(destination: Destination, fallback: CarrierName, rules: readonly CarrierRule[] = []): CarrierName {
  const rule = rules.find(
    (r) =>
      (r.country === undefined || same(r.country, destination.country)) &&
      (r.region === undefined || same(r.region, destination.region)) &&
      (r.city === undefined || same(r.city, destination.city)) &&
      (r.postalCodePrefix === undefined || destination.postalCode.startsWith(r.postalCodePrefix)),
  );
  return rule?.carrier ?? fallback;
}

/** API.md's reading of Kuaidi100's main states (`lastResult.state`). */
const MAIN_STATES: Record<string, CarrierStatus> = {
  '0': 'IN_TRANSIT', // 在途
  '1': 'PICKED_UP', // 揽收
  '2': 'EXCEPTION', // 疑难
  '3': 'DELIVERED', // 签收
  '4': 'EXCEPTION', // 退签
  '5': 'OUT_FOR_DELIVERY', // 派件
  '6': 'RETURNED_TO_SENDER', // 退回
  '7': 'IN_TRANSIT', // 转投
  '8': 'IN_TRANSIT', // 清关
  '14': 'EXCEPTION', // 拒签
};

/**
 * A Kuaidi100 state or per-entry `statusCode` (with `resultv2=1` the codes refine the
 * main states: 101-103 are pick-up steps, 1001-1002 transit, 201-211 problems, 301-304
 * kinds of signing, 401 cancelled, 501 handed to a locker; 10-13 customs). Null for a
 * code this table does not know, so the caller can fall back to the main state.
 */
export function kuaidi100Status(code: string | undefined): CarrierStatus | null {
  if (!code || !/^\d{1,4}$/.test(code)) return null;
  if (MAIN_STATES[code]) return MAIN_STATES[code];
  if (/^10\d$/.test(code)) return 'PICKED_UP';
  if (/^100\d$/.test(code)) return 'IN_TRANSIT';
  if (/^1[0-3]$/.test(code)) return 'IN_TRANSIT'; // customs
  if (code.length === 3) return MAIN_STATES[code[0]!] ?? null;
  return null;
}

/** Kuaidi100's `ftime` (`yyyy-MM-dd HH:mm:ss`, Asia/Shanghai, which keeps no daylight saving) as an ISO instant; null when unreadable. */
export function shanghaiToIso(ftime: string): string | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?$/.exec(ftime.trim());
  if (!match) return null;
  const [, y, mo, d, h, mi, s] = match;
  const millis = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${s ?? '00'}+08:00`);
  return Number.isFinite(millis) ? new Date(millis).toISOString() : null;
}

/** An ISO instant as Kuaidi100 writes it (Asia/Shanghai). */
export function isoToShanghai(iso: string): string {
  return new Date(Date.parse(iso) + 8 * 3600 * 1000).toISOString().slice(0, 19).replace('T', ' ');
}
