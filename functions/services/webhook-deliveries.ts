/**
 * Outbound webhooks, after an event is published (services/events.ts): endpoints
 * registered, each delivery attempted when due (signed, sent, its outcome recorded on
 * the retry schedule) by the webhooks worker, and retried on an operator's request.
 * Apart from the publisher so that it does not load the signing and sending code.
 */
import { randomBytes } from 'node:crypto';
import { newUlid } from '../shared/ids.js';
import { DomainError } from '../core/errors.js';
import { getDelivery, getEndpoint, getEvent, putEndpoint, recordEndpointHealth, takeEndpointLease, updateDelivery, type Delivery, type WebhookEndpoint } from '../adapters/events.js';
import { queueDelivery } from '../adapters/delivery-queue.js';
import { endpointUrlProblem, sendEvent, urlRulesFromEnv } from '../adapters/webhook-sender.js';
import { logger } from '../shared/powertools.js';

/** API.md's default retry schedule: pauses after each failed attempt, about 27 hours in all. */
export const DEFAULT_RETRY_SCHEDULE_SECONDS = [5, 30, 120, 600, 1800, 3600, 7200, 14400, 28800, 43200];
/** An endpoint that let an attempt time out is "slow" this long; its lease outlasts one attempt; others wait about this long for it. */
const SLOW_MARK_SECONDS = 60;
const SLOW_LEASE_SECONDS = 15;
const SLOW_WAIT_SECONDS = 5;

export function retryScheduleFromEnv(): number[] {
  const raw = process.env.WEBHOOK_RETRY_SCHEDULE_SECONDS;
  if (!raw) return DEFAULT_RETRY_SCHEDULE_SECONDS;
  const pauses = raw.split(',').map((s) => Number(s.trim()));
  if (!pauses.length || pauses.some((p) => !Number.isInteger(p) || p < 0)) throw new Error(`WEBHOOK_RETRY_SCHEDULE_SECONDS must be whole seconds separated by commas, got "${raw}"`);
  return pauses;
}

/**
 * One attempt of a delivery, when it is due: claimed by a versioned write (duplicate
 * messages attempt it once), sent, and its outcome written with the next attempt's time
 * or `FAILED` once the schedule is spent. A pause longer than SQS can hold a message
 * is waited in hops: the message comes back early and is sent on again.
 */
export async function attemptDelivery(endpointId: string, eventId: string, schedule = retryScheduleFromEnv()): Promise<Delivery | null> {
  const delivery = await getDelivery(endpointId, eventId);
  if (!delivery || delivery.status !== 'PENDING') return delivery;
  const dueInSeconds = (Date.parse(delivery.nextAttemptAt) - Date.now()) / 1000;
  if (dueInSeconds > 1) {
    await queueDelivery(endpointId, eventId, dueInSeconds);
    return delivery;
  }
  const endpoint = await getEndpoint(endpointId);
  const event = await getEvent(eventId);
  // A slow endpoint gets one attempt at a time; its other deliveries wait their turn, uncounted.
  const slow = endpoint?.slowUntil !== undefined && Date.parse(endpoint.slowUntil) > Date.now();
  if (slow && !(await takeEndpointLease(endpointId, SLOW_LEASE_SECONDS))) {
    await queueDelivery(endpointId, eventId, SLOW_WAIT_SECONDS + Math.random() * SLOW_WAIT_SECONDS);
    return delivery;
  }
  const startedAt = new Date();
  const claimed = await updateDelivery(delivery, { attempts: delivery.attempts + 1, lastAttemptAt: startedAt.toISOString() });
  if (!claimed) return null; // another message is attempting it
  if (!endpoint || endpoint.deletedAt || !event) {
    return updateDelivery(claimed, { status: 'FAILED', lastResponseStatus: null });
  }
  const outcome = await sendEvent(endpoint, event, urlRulesFromEnv(), startedAt);
  if (outcome.timedOut || slow) await recordEndpointHealth(endpointId, outcome.timedOut ? new Date(Date.now() + SLOW_MARK_SECONDS * 1000).toISOString() : null);
  const madeThisRound = claimed.attempts - claimed.scheduleStart;
  if (outcome.delivered) return updateDelivery(claimed, { status: 'DELIVERED', lastResponseStatus: outcome.status });
  logger.info('webhook delivery failed', { endpointId, eventId, attempt: claimed.attempts, status: outcome.status, error: outcome.error });
  if (madeThisRound > schedule.length) return updateDelivery(claimed, { status: 'FAILED', lastResponseStatus: outcome.status });
  const pause = schedule[madeThisRound - 1]!;
  const next = await updateDelivery(claimed, { lastResponseStatus: outcome.status, nextAttemptAt: new Date(Date.now() + pause * 1000).toISOString() });
  if (next) await queueDelivery(endpointId, eventId, pause);
  return next;
}

/** An operator's retry: the delivery is due now, with the whole schedule again after it. */
export async function retryDelivery(endpointId: string, eventId: string): Promise<void> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const delivery = await getDelivery(endpointId, eventId);
    if (!delivery) throw new DomainError('NOT_FOUND', `No delivery of ${eventId} to ${endpointId}`);
    const updated = await updateDelivery(delivery, { status: 'PENDING', nextAttemptAt: new Date().toISOString(), scheduleStart: delivery.attempts });
    if (updated) {
      await queueDelivery(endpointId, eventId, 0);
      return;
    }
  }
  throw new Error(`The delivery of ${eventId} to ${endpointId} kept changing`);
}

/** A new endpoint, its URL checked (rules and DNS); its secret is shown once, to the caller. */
export async function registerEndpoint(input: { url: string; events: string[]; description?: string }): Promise<WebhookEndpoint> {
  const problem = await endpointUrlProblem(input.url, urlRulesFromEnv());
  if (problem) throw new DomainError('UNSAFE_URL', `The URL ${problem}`, [{ path: 'body.url', message: problem }]);
  const endpoint: WebhookEndpoint = {
    endpointId: `we_${newUlid()}`,
    url: input.url,
    events: [...new Set(input.events)],
    description: input.description ?? null,
    secret: `whsec_${randomBytes(32).toString('base64')}`,
    createdAt: new Date().toISOString(),
  };
  await putEndpoint(endpoint);
  return endpoint;
}
