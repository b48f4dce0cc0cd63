/** The SQS client (see aws-clients.ts), and the call outbound webhooks make (adapters/delivery-queue.ts loads it on first use). */
import { SQSClient } from '@aws-sdk/client-sqs';

export { SendMessageCommand } from '@aws-sdk/client-sqs';

// Queue URLs of emulators may name hosts that do not resolve: send to the endpoint.
export const sqs = new SQSClient({ useQueueUrlAsEndpoint: false });
