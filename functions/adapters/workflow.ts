/**
 * Signals to the order's Step Functions execution. A token that is already closed
 * (the task finished, timed out or the execution ended) means the signal's work was
 * done or overtaken: it is reported, not thrown, so callers stay idempotent.
 */
import { loadOnce } from '../shared/once.js';
import type { Deadlines } from '../core/config.js';
import type { TaskResolution } from '../core/task-signals.js';

/** The client and its commands, loaded on the first call (sfn-client.ts). */
const sdk = loadOnce(() => import('./sfn-client.js'));

/** Errors by name (as the SDK names them): the classes load with the client. */
const named = (error: unknown, ...names: string[]) => error instanceof Error && names.includes(error.name);

export type SignalResult = 'sent' | 'closed';

function isClosedToken(error: unknown): boolean {
  return named(error, 'TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken');
}

export async function taskSucceeded(token: string, output: object = {}): Promise<SignalResult> {
  const { sfn, SendTaskSuccessCommand } = await sdk();
  try {
    await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(output) }));
    return 'sent';
  } catch (error) {
    if (isClosedToken(error)) return 'closed';
    throw error;
  }
}

/** Fails the waiting task with a named error, which the workflow's Catch turns into compensation. */
export async function taskFailed(token: string, error: string, cause: object): Promise<SignalResult> {
  const { sfn, SendTaskFailureCommand } = await sdk();
  try {
    await sfn.send(new SendTaskFailureCommand({ taskToken: token, error, cause: JSON.stringify(cause) }));
    return 'sent';
  } catch (err) {
    if (isClosedToken(err)) return 'closed';
    throw err;
  }
}

/** Ends a task as its recorded resolution says (core/task-signals.ts). */
export function answerTask(token: string, resolution: TaskResolution): Promise<SignalResult> {
  return resolution.outcome === 'failed' ? taskFailed(token, resolution.error, resolution.cause) : taskSucceeded(token, resolution.output);
}

export interface WorkflowInput {
  orderId: string;
  deadlines: Deadlines;
}

function stateMachineArn(): string {
  const arn = process.env.STATE_MACHINE_ARN;
  if (!arn) throw new Error('Missing required environment variable STATE_MACHINE_ARN');
  return arn;
}

/** Starts the order's execution, named by the order id; starting it again is a no-op. */
export async function startOrderWorkflow(input: WorkflowInput): Promise<void> {
  const { sfn, StartExecutionCommand } = await sdk();
  try {
    await sfn.send(new StartExecutionCommand({ stateMachineArn: stateMachineArn(), name: input.orderId, input: JSON.stringify(input) }));
  } catch (error) {
    // Same name, different input (e.g. deadlines changed since): it runs already.
    if (named(error, 'ExecutionAlreadyExists')) return;
    throw error;
  }
}

/** Starts the return's workflow (named by the return id, so starting it again is harmless). */
export async function startReturnWorkflow(input: { returnId: string; orderId: string; shipBySeconds: number }): Promise<void> {
  const { sfn, StartExecutionCommand } = await sdk();
  const arn = process.env.RETURN_STATE_MACHINE_ARN;
  if (!arn) throw new Error('Missing required environment variable RETURN_STATE_MACHINE_ARN');
  try {
    await sfn.send(new StartExecutionCommand({ stateMachineArn: arn, name: input.returnId, input: JSON.stringify(input) }));
  } catch (error) {
    if (named(error, 'ExecutionAlreadyExists')) return;
    throw error;
  }
}

export interface ExecutionState {
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED' | 'PENDING_REDRIVE';
  error?: string;
  cause?: string;
}

/** The order's execution, or null when none was ever started. */
export async function describeOrderWorkflow(orderId: string): Promise<ExecutionState | null> {
  const { sfn, DescribeExecutionCommand } = await sdk();
  try {
    const out = await sfn.send(new DescribeExecutionCommand({ executionArn: executionArnOf(orderId) }));
    return { status: out.status as ExecutionState['status'], error: out.error, cause: out.cause };
  } catch (error) {
    if (named(error, 'ExecutionDoesNotExist')) return null;
    throw error;
  }
}

const executionArnOf = (orderId: string) => `${stateMachineArn().replace(':stateMachine:', ':execution:')}:${orderId}`;

export interface WorkflowHistoryEvent {
  at: string;
  type: string;
  /** The state it concerns, and an error, when the event names them. */
  state?: string;
  error?: string;
}

/** The order's execution history, oldest first (execution data left out: only types, states and errors). */
export async function orderWorkflowHistory(orderId: string): Promise<WorkflowHistoryEvent[]> {
  const { sfn, GetExecutionHistoryCommand } = await sdk();
  const events: WorkflowHistoryEvent[] = [];
  let nextToken: string | undefined;
  try {
    do {
      const out = await sfn.send(new GetExecutionHistoryCommand({ executionArn: executionArnOf(orderId), includeExecutionData: false, maxResults: 1000, nextToken }));
      for (const event of out.events ?? []) {
        const details = Object.entries(event).find(([name, value]) => name.endsWith('EventDetails') && value && typeof value === 'object')?.[1] as { name?: string; error?: string } | undefined;
        events.push({
          at: new Date(event.timestamp ?? Date.now()).toISOString(),
          type: event.type ?? 'Unknown',
          ...(details?.name ? { state: details.name } : {}),
          ...(details?.error ? { error: details.error } : {}),
        });
      }
      nextToken = out.nextToken;
    } while (nextToken);
  } catch (error) {
    if (named(error, 'ExecutionDoesNotExist')) return [];
    throw error;
  }
  return events;
}

/** Resumes a failed, timed-out or aborted execution from the state that did not succeed (Step Functions redrive). */
export async function redriveOrderWorkflow(orderId: string): Promise<void> {
  const { sfn, RedriveExecutionCommand } = await sdk();
  await sfn.send(new RedriveExecutionCommand({ executionArn: executionArnOf(orderId) }));
}
