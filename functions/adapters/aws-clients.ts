/**
 * AWS SDK clients, built once per container at module scope. Endpoints come from
 * the standard AWS_ENDPOINT_URL_* variables, which only the local stack sets, so
 * the same code talks to AWS or to the local stand-ins. One module per client: a
 * function bundles, and builds at its cold start, only the clients it uses
 * (sfn-client.ts, sqs-client.ts, secrets-client.ts).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
  marshallOptions: { removeUndefinedValues: true },
});
