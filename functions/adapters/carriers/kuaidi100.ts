/**
 * Kuaidi100 (快递100), for SF Express (`shunfeng`), ZTO (`zhongtong`) and EMS (`ems`):
 * electronic waybills from `label/order` (signed MD5(param + t + key + secret), upper
 * case), tracking subscriptions at `poll` with our callback URL, our salt and
 * `resultv2=1` (a status per entry), and pushes verified: `sign` = upper-case MD5 of
 * `param` + salt, compared in constant time, before anything in them is read.
 *
 * Kuaidi100 publishes no Node SDK (its official one is Java); the protocol is two form
 * POSTs and an MD5, so Node's own crypto and fetch serve.
 *
 * Credentials (JSON secret KUAIDI100_CREDENTIALS): `key`, `secret` (label API),
 * `customer` (kept for the real-time query API), `salt` (unless KUAIDI100_SALT is set;
 * several separated by spaces during a change), `callbackUrl` (this API's
 * /webhooks/carriers/kuaidi100), `sender` ({ name, mobile, printAddr }: the
 * warehouse), optional `accounts` (per company: the carrier's waybill account
 * `partnerId`, `partnerKey`, `partnerSecret`, `net`, `code`), `apiBase`, `pollBase`.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import * as z from 'zod/mini';
import { kuaidi100Status, shanghaiToIso } from '../../core/carriers.js';
import { DomainError } from '../../core/errors.js';
import type { ShipmentEvent, ShippingAddress } from '../../core/order.js';
import { credentialsLoader } from '../payments/credentials.js';
import { ProviderError, providerFetch } from '../outbound.js';
import { splitSecrets } from '../signatures.js';
import { PUSH_ANSWERS, type Carrier, type TrackingPush } from './carrier.js';

const accountSchema = z.object({ partnerId: z.optional(z.string()), partnerKey: z.optional(z.string()), partnerSecret: z.optional(z.string()), net: z.optional(z.string()), code: z.optional(z.string()) });
const credentialsSchema = z.object({
  key: z.string().check(z.minLength(1)),
  secret: z.string().check(z.minLength(1)),
  customer: z.optional(z.string()),
  salt: z.optional(z.string().check(z.minLength(1))),
  callbackUrl: z.url(),
  sender: z.object({ name: z.string().check(z.minLength(1)), mobile: z.string().check(z.minLength(1)), printAddr: z.string().check(z.minLength(1)) }),
  accounts: z.optional(z.record(z.string(), accountSchema)),
  apiBase: z.optional(z.url()),
  pollBase: z.optional(z.url()),
});
type Credentials = z.infer<typeof credentialsSchema>;

const md5Upper = (text: string) => createHash('md5').update(text, 'utf8').digest('hex').toUpperCase();

/** The label API's signature: MD5 of param + t + key + secret, upper-case hex. */
export function labelSign(param: string, t: string, key: string, secret: string): string {
  return md5Upper(`${param}${t}${key}${secret}`);
}

/** A push's signature: MD5 of param + salt, upper-case hex. */
export function pushSign(param: string, salt: string): string {
  return md5Upper(`${param}${salt}`);
}

/** The salt(s) pushes are signed with: KUAIDI100_SALT, else the credentials'. */
function salts(credentials: Credentials): string[] {
  const configured = process.env.KUAIDI100_SALT ?? credentials.salt;
  if (!configured) throw new Error('Kuaidi100 needs a salt: KUAIDI100_SALT or "salt" in KUAIDI100_CREDENTIALS');
  return splitSecrets(configured);
}

/** The one address line a waybill prints, in Chinese order: province, city, street. */
export function printAddress(address: ShippingAddress): string {
  return [address.region, address.city, address.line1, address.line2].filter(Boolean).join(' ');
}

const pushSchema = z.object({
  status: z.string(),
  message: z.optional(z.string()),
  lastResult: z.object({
    state: z.optional(z.string()),
    com: z.optional(z.string()),
    nu: z.string().check(z.minLength(1), z.maxLength(64)),
    data: z.array(z.looseObject({ ftime: z.string(), time: z.optional(z.string()), statusCode: z.optional(z.string()), status: z.optional(z.string()) })).check(z.maxLength(500)),
  }),
});

function bad(message: string): DomainError {
  return new DomainError('VALIDATION_ERROR', message, [{ path: 'body.param', message }]);
}

/** A verified push's param: the parcel's events, oldest first, each with its own status where Kuaidi100 gives one. */
export function parsePush(param: string): Omit<TrackingPush, 'eventId'> {
  let value: unknown;
  try {
    value = JSON.parse(param);
  } catch {
    throw bad('param is not JSON');
  }
  const parsed = pushSchema.safeParse(value);
  if (!parsed.success) throw bad(`param is not a Kuaidi100 push: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  const { status, message, lastResult } = parsed.data;
  const mainState = kuaidi100Status(lastResult.state) ?? 'IN_TRANSIT';
  // `data` is newest first; the newest entry without a code of its own takes the parcel's state.
  const events: ShipmentEvent[] = [];
  lastResult.data.forEach((entry, index) => {
    const occurredAt = shanghaiToIso(entry.ftime);
    if (!occurredAt) return; // an entry without a readable time cannot be ordered: left out
    events.push({ status: kuaidi100Status(entry.statusCode) ?? (index === 0 ? mainState : 'IN_TRANSIT'), occurredAt });
  });
  return { trackingNumber: lastResult.nu, events: events.reverse(), subscription: { state: status, message: message ?? '' } };
}

export function kuaidi100Carrier(): Carrier {
  const credentials = credentialsLoader('kuaidi100', credentialsSchema);

  async function form(url: string, fields: Record<string, string>): Promise<Record<string, unknown>> {
    const response = await providerFetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
    if (!response.ok) throw new ProviderError(`Kuaidi100 answered ${response.status}`);
    try {
      return (await response.json()) as Record<string, unknown>;
    } catch {
      throw new ProviderError('Kuaidi100 answered with no JSON');
    }
  }

  return {
    webhook: 'kuaidi100',
    pushAnswer: PUSH_ANSWERS.kuaidi100,

    async book({ orderId, company, packages, recipient }) {
      const c = await credentials();
      const weightKg = packages.reduce((sum, p) => sum + p.weightGrams, 0) / 1000;
      const param = JSON.stringify({
        kuaidicom: company,
        // Our order id: carriers answer a repeated order id with its first waybill.
        orderId,
        recMan: { name: recipient.name, mobile: recipient.phone, printAddr: printAddress(recipient) },
        sendMan: c.sender,
        cargo: 'goods',
        count: Math.max(1, packages.length),
        ...(weightKg > 0 ? { weight: weightKg } : {}),
        payType: 'MONTHLY',
        printType: 'NON',
        ...c.accounts?.[company],
      });
      const t = String(Date.now());
      const answer = await form(`${c.apiBase ?? 'https://api.kuaidi100.com'}/label/order`, { method: 'order', key: c.key, t, sign: labelSign(param, t, c.key, c.secret), param });
      const data = answer.data as { kuaidinum?: unknown } | undefined;
      if (Number(answer.code) !== 200 || typeof data?.kuaidinum !== 'string' || !data.kuaidinum) {
        throw new ProviderError(`Kuaidi100 refused the waybill: ${String(answer.code)} ${String(answer.message ?? '')}`);
      }
      return { carrier: company, trackingNumber: data.kuaidinum };
    },

    async subscribe({ carrier, trackingNumber }, recipient) {
      const c = await credentials();
      const digits = recipient.phone.replace(/\D/g, '');
      const param = JSON.stringify({
        company: carrier,
        number: trackingNumber,
        key: c.key,
        to: [recipient.region, recipient.city].filter(Boolean).join(''),
        parameters: {
          callbackurl: c.callbackUrl,
          salt: salts(c).at(-1),
          resultv2: '1',
          // SF Express asks for a phone to release tracking; its last four digits are enough.
          ...(carrier === 'shunfeng' ? { phone: digits.slice(-4) } : {}),
        },
      });
      const answer = await form(`${c.pollBase ?? 'https://poll.kuaidi100.com'}/poll`, { schema: 'json', param });
      // 501: subscribed already (a retried worker): as good as now.
      if (answer.returnCode === '200' || answer.returnCode === '501') return;
      throw new ProviderError(`Kuaidi100 refused the subscription of a ${carrier} waybill: ${String(answer.returnCode)} ${String(answer.message ?? '')}`);
    },

    async verifyPush(rawBody) {
      const fields = new URLSearchParams(rawBody);
      const param = fields.get('param');
      const sign = fields.get('sign');
      if (!param || !sign) throw new DomainError('INVALID_SIGNATURE', 'The Kuaidi100 push needs param and sign');
      const given = Buffer.from(sign.toUpperCase());
      const valid = salts(await credentials()).some((salt) => {
        const expected = Buffer.from(pushSign(param, salt));
        return expected.length === given.length && timingSafeEqual(expected, given);
      });
      if (!valid) throw new DomainError('INVALID_SIGNATURE', 'The Kuaidi100 push sign does not verify');
      // A push has no id of its own; the same param again is the same delivery.
      return { eventId: createHash('sha256').update(param).digest('hex'), ...parsePush(param) };
    },
  };
}

