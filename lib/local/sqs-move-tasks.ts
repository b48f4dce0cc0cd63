/**
 * SQS message move tasks (StartMessageMoveTask, ListMessageMoveTasks,
 * CancelMessageMoveTask), which the local SQS emulator lacks, answered by the SQS
 * proxy as AWS answers them: a task moves the messages a queue (a DLQ) holds when it
 * starts to a destination (by default the queue whose redrive policy names the DLQ),
 * in batches of 10, in the background; one running task per source queue.
 */
import { randomUUID } from 'node:crypto';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';

type Status = 'RUNNING' | 'COMPLETED' | 'CANCELLING' | 'CANCELLED' | 'FAILED';

interface Task {
  TaskHandle: string;
  Status: Status;
  SourceArn: string;
  DestinationArn: string;
  ApproximateNumberOfMessagesMoved: number;
  ApproximateNumberOfMessagesToMove: number;
  StartedTimestamp: number;
  FailureReason?: string;
}

type Answer = { status: number; body: object };
const error = (type: string, message: string): Answer => ({ status: 400, body: { __type: `com.amazonaws.sqs#${type}`, message } });

export function messageMoveTasks(sqs: SQSClient) {
  const tasks: Task[] = [];
  const queueName = (arn: string) => arn.split(':').at(-1) ?? '';
  const urlOf = async (arn: string) => (await sqs.send(new GetQueueUrlCommand({ QueueName: queueName(arn) }))).QueueUrl!;

  /** The queue whose redrive policy sends its dead letters to `dlqArn`. */
  async function sourceOf(dlqArn: string): Promise<string | null> {
    const { QueueUrls = [] } = await sqs.send(new ListQueuesCommand({}));
    for (const url of QueueUrls) {
      const { Attributes = {} } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['RedrivePolicy', 'QueueArn'] }));
      if (Attributes.RedrivePolicy && (JSON.parse(Attributes.RedrivePolicy) as { deadLetterTargetArn?: string }).deadLetterTargetArn === dlqArn) return Attributes.QueueArn!;
    }
    return null;
  }

  async function run(task: Task): Promise<void> {
    try {
      const from = await urlOf(task.SourceArn);
      const to = await urlOf(task.DestinationArn);
      // Messages someone is looking at (in flight) are moved when they come back, within a while.
      let idle = 0;
      while (task.Status === 'RUNNING' && task.ApproximateNumberOfMessagesMoved < task.ApproximateNumberOfMessagesToMove && idle < 10) {
        const wanted = Math.min(10, task.ApproximateNumberOfMessagesToMove - task.ApproximateNumberOfMessagesMoved);
        const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: from, MaxNumberOfMessages: wanted, VisibilityTimeout: 30, WaitTimeSeconds: 1, MessageAttributeNames: ['All'] }));
        if (!Messages.length) {
          idle++;
          continue;
        }
        idle = 0;
        // Sent first, then deleted: a failure in between moves a message twice, never loses one.
        await sqs.send(new SendMessageBatchCommand({ QueueUrl: to, Entries: Messages.map((m, i) => ({ Id: String(i), MessageBody: m.Body ?? '', MessageAttributes: m.MessageAttributes })) }));
        await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: from, Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }));
        task.ApproximateNumberOfMessagesMoved += Messages.length;
      }
      task.Status = task.Status === 'CANCELLING' ? 'CANCELLED' : 'COMPLETED';
    } catch (failure) {
      task.Status = 'FAILED';
      task.FailureReason = (failure as Error).message;
    }
  }

  /** Answers a move-task call, or null for any other action (passed on to the emulator). */
  return async function intercept(action: string, body: Record<string, unknown>): Promise<Answer | null> {
    switch (action.replace(/^AmazonSQS\./, '')) {
      case 'StartMessageMoveTask': {
        const source = String(body.SourceArn ?? '');
        if (tasks.some((t) => t.SourceArn === source && (t.Status === 'RUNNING' || t.Status === 'CANCELLING'))) {
          return error('UnsupportedOperation', 'There is already a task running. Only one active task is allowed for a source queue arn at a given time.');
        }
        const destination = typeof body.DestinationArn === 'string' ? body.DestinationArn : await sourceOf(source);
        if (!destination) return error('InvalidParameterValue', 'Source queue must be configured as a Dead Letter Queue.');
        const { Attributes = {} } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: await urlOf(source), AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
        const task: Task = {
          TaskHandle: Buffer.from(JSON.stringify({ taskId: randomUUID(), sourceArn: source })).toString('base64'),
          Status: 'RUNNING',
          SourceArn: source,
          DestinationArn: destination,
          ApproximateNumberOfMessagesMoved: 0,
          ApproximateNumberOfMessagesToMove: Number(Attributes.ApproximateNumberOfMessages ?? 0) + Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
          StartedTimestamp: Date.now(),
        };
        tasks.unshift(task);
        void run(task);
        return { status: 200, body: { TaskHandle: task.TaskHandle } };
      }
      case 'ListMessageMoveTasks': {
        const mine = tasks.filter((t) => t.SourceArn === body.SourceArn).slice(0, Number(body.MaxResults ?? 1));
        return { status: 200, body: { Results: mine.map((t) => ({ ...t })) } };
      }
      case 'CancelMessageMoveTask': {
        const task = tasks.find((t) => t.TaskHandle === body.TaskHandle);
        if (!task || task.Status !== 'RUNNING') return error('ResourceNotFoundException', 'Task does not exist or is not running.');
        task.Status = 'CANCELLING';
        return { status: 200, body: { ApproximateNumberOfMessagesMoved: task.ApproximateNumberOfMessagesMoved } };
      }
      default:
        return null;
    }
  };
}
