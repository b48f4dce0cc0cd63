/**
 * The outbound webhooks' queue: one message per delivery to attempt, held back until
 * it is due (services/events.ts queues new deliveries, services/webhook-deliveries.ts
 * pauses them between attempts).
 */
import { loadOnce } from '../shared/once.js';

/** SQS holds a message back at most 15 minutes; longer pauses are waited in several hops. */
const MAX_SQS_DELAY_SECONDS = 900;

/**
 * The SQS client, loaded with the first delivery queued: the delivery worker needs it
 * only to pause a delivery (a retry, a slow endpoint); the publisher, which queues every
 * delivery, loads it at start (streams/publish-events.ts).
 */
const sqsSdk = loadOnce(() => import('./sqs-client.js'));

function deliveryQueueUrl(): string {
  const url = process.env.QUEUE_URL_WEBHOOKS;
  if (!url) throw new Error('Missing required environment variable QUEUE_URL_WEBHOOKS');
  return url;
}

export async function queueDelivery(endpointId: string, eventId: string, delaySeconds: number): Promise<void> {
  const { sqs, SendMessageCommand } = await sqsSdk();
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: deliveryQueueUrl(),
      MessageBody: JSON.stringify({ endpointId, eventId }),
      DelaySeconds: Math.min(MAX_SQS_DELAY_SECONDS, Math.max(0, Math.ceil(delaySeconds))),
    }),
  );
}
