/**
 * AWS SDK clients, built once per container at module scope. Endpoints come from
 * the standard AWS_ENDPOINT_URL_* variables, which only the local stack sets, so
 * the same code talks to AWS or to the local stand-ins.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

export const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
  marshallOptions: { removeUndefinedValues: true },
});
export const sfn = new SFNClient({});
// Queue URLs of emulators may name hosts that do not resolve: send to the endpoint.
export const sqs = new SQSClient({ useQueueUrlAsEndpoint: false });
export const secrets = new SecretsManagerClient({});
