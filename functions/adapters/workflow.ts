/**
 * Signals to the order's Step Functions execution. A token that is already closed
 * (the task finished, timed out or the execution ended) means the signal's work was
 * done or overtaken: it is reported, not thrown, so callers stay idempotent.
 */
import {
  InvalidToken,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  TaskDoesNotExist,
  TaskTimedOut,
  ExecutionAlreadyExists,
} from '@aws-sdk/client-sfn';
import { sfn } from './aws-clients.js';
import type { Deadlines } from '../core/config.js';

export type SignalResult = 'sent' | 'closed';

function isClosedToken(error: unknown): boolean {
  return error instanceof TaskTimedOut || error instanceof TaskDoesNotExist || error instanceof InvalidToken;
}

export async function taskSucceeded(token: string, output: object = {}): Promise<SignalResult> {
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
  try {
    await sfn.send(new SendTaskFailureCommand({ taskToken: token, error, cause: JSON.stringify(cause) }));
    return 'sent';
  } catch (err) {
    if (isClosedToken(err)) return 'closed';
    throw err;
  }
}

export interface WorkflowInput {
  orderId: string;
  deadlines: Deadlines;
}

/** Starts the order's execution, named by the order id; starting it again is a no-op. */
export async function startOrderWorkflow(input: WorkflowInput): Promise<void> {
  const stateMachineArn = process.env.STATE_MACHINE_ARN;
  if (!stateMachineArn) throw new Error('Missing required environment variable STATE_MACHINE_ARN');
  try {
    await sfn.send(new StartExecutionCommand({ stateMachineArn, name: input.orderId, input: JSON.stringify(input) }));
  } catch (error) {
    // Same name, different input (e.g. deadlines changed since): it runs already.
    if (error instanceof ExecutionAlreadyExists) return;
    throw error;
  }
}
