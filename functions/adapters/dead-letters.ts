/**
 * Dead-letter queues of the stage queues, for operators: look at what failed, and
 * move it back to its queue once the cause is fixed. Queue URLs come from
 * QUEUE_URL_<STAGE> and DLQ_URL_<STAGE>.
 */
import { DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { sqs } from './aws-clients.js';

export interface StageQueueUrls {
  stage: string;
  queueUrl: string;
  dlqUrl: string;
}

export function stageQueuesFromEnv(): StageQueueUrls[] {
  return Object.entries(process.env)
    .filter(([name, value]) => name.startsWith('DLQ_URL_') && value)
    .map(([name, dlqUrl]) => {
      const stage = name.slice('DLQ_URL_'.length).toLowerCase();
      const queueUrl = process.env[`QUEUE_URL_${stage.toUpperCase()}`];
      if (!queueUrl) throw new Error(`DLQ_URL_${stage.toUpperCase()} has no QUEUE_URL_${stage.toUpperCase()}`);
      return { stage, queueUrl, dlqUrl: dlqUrl! };
    })
    .sort((a, b) => a.stage.localeCompare(b.stage));
}

export interface DeadLetter {
  messageId: string;
  orderId: string | null;
  action: string | null;
  receiveCount: number;
  sentAt: string | null;
}

function describe(body: string | undefined): { orderId: string | null; action: string | null } {
  try {
    const parsed = JSON.parse(body ?? '') as { orderId?: unknown; action?: unknown };
    return {
      orderId: typeof parsed.orderId === 'string' ? parsed.orderId : null,
      action: typeof parsed.action === 'string' ? parsed.action : null,
    };
  } catch {
    return { orderId: null, action: null };
  }
}

/** The DLQ's size and a peek at up to 10 messages (left visible: nothing is consumed). */
export async function peekDeadLetters(queue: StageQueueUrls): Promise<{ stage: string; approximateCount: number; messages: DeadLetter[] }> {
  const attributes = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queue.dlqUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  // Messages being looked at (or redriven) right now are still dead letters: count both.
  const count = Number(attributes.Attributes?.ApproximateNumberOfMessages ?? 0) + Number(attributes.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: queue.dlqUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 0, MessageSystemAttributeNames: ['All'] }),
  );
  return {
    stage: queue.stage,
    approximateCount: Math.max(count, Messages.length),
    messages: Messages.map((m) => ({
      messageId: m.MessageId!,
      ...describe(m.Body),
      receiveCount: Number(m.Attributes?.ApproximateReceiveCount ?? 0),
      sentAt: m.Attributes?.SentTimestamp ? new Date(Number(m.Attributes.SentTimestamp)).toISOString() : null,
    })),
  };
}

/** Moves every message of the stage's DLQ back to its queue; returns how many moved. */
export async function redriveDeadLetters(queue: StageQueueUrls, max = 1000): Promise<number> {
  let moved = 0;
  while (moved < max) {
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queue.dlqUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 60 }));
    if (!Messages.length) break;
    for (const message of Messages) {
      // Send first, then delete: a crash in between redrives a message twice, which the stages tolerate.
      await sqs.send(new SendMessageCommand({ QueueUrl: queue.queueUrl, MessageBody: message.Body ?? '' }));
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queue.dlqUrl, ReceiptHandle: message.ReceiptHandle! }));
      moved++;
    }
  }
  return moved;
}
