/** The SQS client (see aws-clients.ts). */
import { SQSClient } from '@aws-sdk/client-sqs';

// Queue URLs of emulators may name hosts that do not resolve: send to the endpoint.
export const sqs = new SQSClient({ useQueueUrlAsEndpoint: false });
