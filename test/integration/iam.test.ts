/**
 * IAM enforced locally: each function calls AWS under its own identity and the
 * local endpoints allow only what the CDK stack grants it (from the same topology).
 * Taking one grant away breaks the route that needs it, as it would on AWS.
 */
import { BatchGetItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { SendTaskSuccessCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { LOCAL_FUNCTION_KEY_PREFIX } from '../../lib/local/iam.js';
import { useLocalStack } from '../helpers/local-stack.js';
import { placeOrder, product } from '../helpers/shop.js';

// The orders function loses BatchGetItem (how it reads the catalog when placing an order).
const api = useLocalStack({ revoke: { orders: { dynamodb: ['BatchGetItem'] } } });

const as = (functionId: string) => ({ region: 'us-east-1', credentials: { accessKeyId: `${LOCAL_FUNCTION_KEY_PREFIX}${functionId}`, secretAccessKey: 'local' } });
const dynamoAs = (functionId: string) => new DynamoDBClient({ ...as(functionId), endpoint: api.stack.endpoints.dynamodb });
const key = { pk: { S: 'PRODUCT#none' }, sk: { S: 'PRODUCT' } };

describe('local IAM', () => {
  it('a missing grant fails the route end to end with AccessDenied, as on AWS', async () => {
    const sku = await product(api, 5);
    const reply = await placeOrder(api, 'iam-customer', [{ sku, quantity: 1 }]);
    expect(reply.status).toBe(500);
    expect(reply.body.code).toBe('INTERNAL_ERROR');
    await expect(dynamoAs('orders').send(new BatchGetItemCommand({ RequestItems: { orders: { Keys: [key] } } }))).rejects.toMatchObject({ name: 'AccessDeniedException' });
    // What it is granted still works.
    await expect(dynamoAs('orders').send(new GetItemCommand({ TableName: 'orders', Key: key }))).resolves.toBeDefined();
  });

  it('refuses what a function was never granted: table actions, indexes, workflow actions, queues', async () => {
    await expect(dynamoAs('reports').send(new PutItemCommand({ TableName: 'orders', Item: key }))).rejects.toMatchObject({ name: 'AccessDeniedException' });
    await expect(
      dynamoAs('catalog').send(new QueryCommand({ TableName: 'orders', IndexName: 'gsi3', KeyConditionExpression: 'gsi3pk = :p', ExpressionAttributeValues: { ':p': { S: 'OPEN#0' } } })),
    ).rejects.toMatchObject({ name: 'AccessDeniedException' });
    // The orders function places orders but starts no execution (the change stream's workflow driver does).
    const sfn = new SFNClient({ ...as('orders'), endpoint: api.stack.endpoints.sfn });
    await expect(sfn.send(new StartExecutionCommand({ stateMachineArn: api.stack.stepFunctions.stateMachineArn, name: 'iam-probe', input: '{}' }))).rejects.toMatchObject({ name: 'AccessDeniedException' });
    expect(api.stack.stepFunctions.executions.has('iam-probe')).toBe(false);
    // Nor does a payment webhook answer the workflow's task: it writes the decision, the driver answers from the change.
    const webhooksSfn = new SFNClient({ ...as('paymentWebhooks'), endpoint: api.stack.endpoints.sfn });
    await expect(webhooksSfn.send(new SendTaskSuccessCommand({ taskToken: 'iam-probe', output: '{}' }))).rejects.toMatchObject({ name: 'AccessDeniedException' });
    // Only the operators' function may move dead letters.
    const dlq = api.stack.queues.payment!.dlqUrl;
    const sqsAs = (functionId: string) => new SQSClient({ ...as(functionId), endpoint: api.stack.endpoints.sqs, useQueueUrlAsEndpoint: false });
    await expect(sqsAs('catalog').send(new ReceiveMessageCommand({ QueueUrl: dlq, MaxNumberOfMessages: 1 }))).rejects.toMatchObject({ name: 'AccessDenied' });
    await expect(sqsAs('ops').send(new ReceiveMessageCommand({ QueueUrl: dlq, MaxNumberOfMessages: 1 }))).resolves.toBeDefined();
  });

  it('lets only the webhook functions read the webhook secrets, by ARN as on AWS', async () => {
    const secretsAs = (functionId: string) => new SecretsManagerClient({ ...as(functionId), endpoint: api.stack.endpoints.secretsManager });
    const read = (functionId: string, name: string) => secretsAs(functionId).send(new GetSecretValueCommand({ SecretId: name }));
    await expect(read('orders', 'PaymentWebhookSecret')).rejects.toMatchObject({ name: 'AccessDeniedException' });
    await expect(read('paymentWebhooks', 'CarrierWebhookSecret')).rejects.toMatchObject({ name: 'AccessDeniedException' });
    expect((await read('paymentWebhooks', 'PaymentWebhookSecret')).SecretString).toMatch(/^whsec_/);
  });
});
