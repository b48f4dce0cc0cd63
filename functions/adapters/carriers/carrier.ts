/**
 * Carriers behind one interface (API.md "Carrier webhooks"): book a waybill, subscribe
 * its tracking, verify and parse a tracking push. The sandbox carrier and Kuaidi100
 * (for SF Express, ZTO and EMS) each implement it; the services decide, these speak.
 */
import type { CarrierName } from '../../core/carriers.js';
import type { ShipmentEvent, ShippingAddress } from '../../core/order.js';

export interface BookingRequest {
  orderId: string;
  /** The company that carries the parcel (chosen by `CARRIER` and `CARRIER_RULES`). */
  company: CarrierName;
  packages: { weightGrams: number }[];
  /** Printed on the waybill: the carrier needs it. Never logged. */
  recipient: ShippingAddress;
}

export interface Booking {
  /** API.md's `shipment.carrier`: the company (`sandbox`, `shunfeng`, `zhongtong`, `ems`). */
  carrier: CarrierName;
  trackingNumber: string;
}

/** A tracking push, verified and parsed. `eventId` identifies this delivery (the inbox key). */
export interface TrackingPush {
  eventId: string;
  trackingNumber: string;
  /** Every event the push carries, oldest first (a Kuaidi100 push carries the whole history). */
  events: ShipmentEvent[];
  /** Kuaidi100's subscription state: `polling`, `shutdown` (tracking ended), `abort` (it gave up), `updateall` (a full re-push). */
  subscription?: { state: string; message: string };
}

export interface Carrier {
  /** The `{carrier}` of its webhook path. */
  readonly webhook: 'sandbox' | 'kuaidi100';
  /** Idempotent per order: booking an order again returns its waybill. */
  book(request: BookingRequest): Promise<Booking>;
  /** Asks for tracking pushes of a waybill; true when subscribed now or before. */
  subscribe(booking: Booking, recipient: ShippingAddress): Promise<void>;
  verifyPush(rawBody: string, headers: Record<string, string | undefined>): Promise<TrackingPush>;
  readonly pushAnswer: { statusCode: number; contentType: string; body: string };
}

/** How each carrier wants a push answered, known without loading its adapter. */
export const PUSH_ANSWERS: Record<'sandbox' | 'kuaidi100', Carrier['pushAnswer']> = {
  sandbox: { statusCode: 200, contentType: 'application/json', body: JSON.stringify({ received: true }) },
  kuaidi100: { statusCode: 200, contentType: 'application/json', body: JSON.stringify({ result: true, returnCode: '200', message: '成功' }) },
};
