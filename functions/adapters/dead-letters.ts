/**
 * Dead-letter queues of the stage queues, for operators: look at what failed, and
 * move it back to its queue once the cause is fixed. Queue URLs come from
 * QUEUE_URL_<STAGE> and DLQ_URL_<STAGE>.
 */
import { GetQueueAttributesCommand, ListMessageMoveTasksCommand, ReceiveMessageCommand, StartMessageMoveTaskCommand } from '@aws-sdk/client-sqs';
import { sqs } from './sqs-client.js';

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

/**
 * Moves the stage's dead letters back to its queue with an SQS message move task
 * (StartMessageMoveTask): SQS moves them itself, in the background, at its own pace;
 * no function loops over them. Returns the task and how many it moves (the DLQ's count
 * when it started). One task per DLQ at a time: asked again while one runs, the
 * running one is the answer.
 */
export async function redriveDeadLetters(queue: StageQueueUrls): Promise<{ moved: number; taskHandle: string }> {
  const [dlq, main] = await Promise.all([
    sqs.send(new GetQueueAttributesCommand({ QueueUrl: queue.dlqUrl, AttributeNames: ['QueueArn', 'ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] })),
    sqs.send(new GetQueueAttributesCommand({ QueueUrl: queue.queueUrl, AttributeNames: ['QueueArn'] })),
  ]);
  const Attributes = dlq.Attributes ?? {};
  const [sourceArn, destinationArn] = [Attributes.QueueArn!, main.Attributes!.QueueArn!];
  try {
    const { TaskHandle } = await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: sourceArn, DestinationArn: destinationArn }));
    return { moved: Number(Attributes.ApproximateNumberOfMessages ?? 0) + Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0), taskHandle: TaskHandle! };
  } catch (error) {
    if ((error as Error).name !== 'UnsupportedOperation') throw error;
    const { Results = [] } = await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: sourceArn, MaxResults: 1 }));
    const running = Results[0];
    if (!running?.TaskHandle) throw error;
    return { moved: running.ApproximateNumberOfMessagesToMove ?? 0, taskHandle: running.TaskHandle };
  }
}
