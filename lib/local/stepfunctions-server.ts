/**
 * A Step Functions stand-in that speaks the service's JSON protocol, running the ASL
 * with aws-local-stepfunctions. What the library lacks we add here, and only here:
 * `sqs:sendMessage.waitForTaskToken` tasks (a real SendMessage to the local queue,
 * then a wait on a minted task token), SendTask{Success,Failure,Heartbeat}, callback
 * deadlines (TimeoutSeconds / TimeoutSecondsPath / HeartbeatSeconds, enforced as AWS
 * does: a closed token answers TaskTimedOut), executions named and idempotent by
 * name, StopExecution, RedriveExecution (the definition entered again at the state
 * that did not succeed, with that state's input), and an execution history.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { StateMachine } from 'aws-local-stepfunctions';

// aws-local-stepfunctions 3 calls Promise.withResolvers (Node 22+); Node 20 lacks it.
if (!('withResolvers' in Promise)) {
  Object.defineProperty(Promise, 'withResolvers', { value: () => deferred(), configurable: true, writable: true });
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (reason?: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Definition = { States: Record<string, Record<string, Json>>; StartAt: string; [key: string]: Json | Record<string, Record<string, Json>> };

const TOKEN_PLACEHOLDER = '__LOCAL_TASK_TOKEN__';
const TIMEOUT_FIELD = '__timeoutSeconds';
const HEARTBEAT_FIELD = '__heartbeatSeconds';
const CALLBACK_SQS = 'arn:aws:states:::sqs:sendMessage.waitForTaskToken';
/**
 * The library times out tasks on its own; ours are enforced here, so its timer is set
 * as far out as a Node timer reaches (about 24.8 days).
 */
const LIBRARY_TIMEOUT = 2_147_483;

/** Node timers overflow past 2^31-1 ms (and then fire at once): longer local deadlines are capped there. */
const timer = (fn: () => void, seconds: number) => setTimeout(fn, Math.min(seconds * 1000, 2_147_483_647));

class ApiError extends Error {
  constructor(readonly type: string, message: string, readonly status = 400) {
    super(message);
  }
}

class TaskError extends Error {
  constructor(name: string, cause: string) {
    super(cause);
    this.name = name;
  }
}

interface HistoryEvent {
  id: number;
  previousEventId: number;
  timestamp: number;
  type: string;
  [details: string]: unknown;
}

interface Execution {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  input: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED' | 'TIMED_OUT';
  startDate: number;
  stopDate?: number;
  output?: string;
  error?: string;
  cause?: string;
  history: HistoryEvent[];
  abort?: () => void;
  /** How often an operator resumed it (RedriveExecution). */
  redriveCount?: number;
}

interface OpenTask {
  executionArn: string;
  state: string;
  resolve(output: Json): void;
  reject(error: Error): void;
  timeoutTimer?: NodeJS.Timeout;
  heartbeatTimer?: NodeJS.Timeout;
  heartbeatSeconds?: number;
  /** When the task's deadline fires (ms since the epoch), if it has one. */
  deadlineAt?: number;
  /** Ends the task with a States.* timeout error (deadline or missed heartbeat). */
  expire(error: string): void;
}

/**
 * Rewrites callback tasks so that their deadlines reach our task handler: the
 * library evaluates TimeoutSecondsPath after Parameters (AWS: against the state
 * input), so the path is evaluated inside Parameters instead, under a hidden field.
 */
export function prepareDefinition(definition: Definition): Definition {
  const copy = structuredClone(definition);
  for (const state of Object.values(copy.States)) {
    if (state.Type !== 'Task' || state.Resource !== CALLBACK_SQS) continue;
    const parameters = { ...(state.Parameters as Record<string, Json>) };
    if (typeof state.TimeoutSecondsPath === 'string') parameters[`${TIMEOUT_FIELD}.$`] = state.TimeoutSecondsPath;
    else if (typeof state.TimeoutSeconds === 'number') parameters[TIMEOUT_FIELD] = state.TimeoutSeconds;
    if (typeof state.HeartbeatSecondsPath === 'string') parameters[`${HEARTBEAT_FIELD}.$`] = state.HeartbeatSecondsPath;
    else if (typeof state.HeartbeatSeconds === 'number') parameters[HEARTBEAT_FIELD] = state.HeartbeatSeconds;
    state.Parameters = parameters;
    delete state.TimeoutSecondsPath;
    delete state.HeartbeatSecondsPath;
    delete state.HeartbeatSeconds;
    state.TimeoutSeconds = LIBRARY_TIMEOUT;
  }
  return copy;
}

function replaceToken(value: Json, token: string): Json {
  if (value === TOKEN_PLACEHOLDER) return token;
  if (Array.isArray(value)) return value.map((v) => replaceToken(v, token));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceToken(v, token)]));
  return value;
}

/**
 * Faults a test can inject into the service, to prove the system survives them
 * without any hook in the functions' own code.
 */
export interface Faults {
  /**
   * How many SendTask* calls answer a 500 (a callback lost in a crash), keyed by
   * execution name, or by `name/StateName` for one state's task only.
   */
  failSignals: Map<string, number>;
  /** How many StartExecution calls answer a 500 (a crash between the order write and the start). */
  failStarts: number;
  /** Send every task message twice (SQS at-least-once delivery). */
  duplicateMessages: boolean;
}

export interface StepFunctionsServer {
  endpoint: string;
  /** The first machine's ARN; `stateMachineArns` has every machine's, by name. */
  stateMachineArn: string;
  stateMachineArns: Record<string, string>;
  executions: Map<string, Execution>;
  /** The ARN an execution with this name has (or would have). */
  executionArn(name: string): string;
  /** The callback tasks an execution waits on now, each with its deadline (ms since the epoch), if any. */
  openTasks(name: string): { state: string; deadlineAt: number | null }[];
  faults: Faults;
  stop(): Promise<void>;
}

export async function startStepFunctionsServer(options: {
  name: string;
  definition: Definition;
  /** More state machines served by the same endpoint (the return workflow). */
  machines?: { name: string; definition: Definition }[];
  sqs: SQSClient;
  region?: string;
  port?: number;
  /** IAM: an AccessDeniedException body when the caller (by its Authorization header) may not call `action`. */
  authorize?: (authorization: string | undefined, action: string, resource: string) => object | null;
}): Promise<StepFunctionsServer> {
  const region = options.region ?? 'us-east-1';
  const machines = new Map<string, { name: string; definition: Definition; machine: StateMachine }>(
    [{ name: options.name, definition: options.definition }, ...(options.machines ?? [])].map(({ name, definition }) => {
      const prepared = prepareDefinition(definition);
      return [
        `arn:aws:states:${region}:000000000000:stateMachine:${name}`,
        { name, definition: prepared, machine: new StateMachine(prepared as never, { validationOptions: { checkArn: false } }) },
      ];
    }),
  );
  const stateMachineArn = `arn:aws:states:${region}:000000000000:stateMachine:${options.name}`;
  /** An execution's ARN: under the machine that runs it (the first one unless named). */
  const executionArnOf = (name: string, machineName?: string) => {
    const existing = executions.get(name);
    return existing && !machineName ? existing.executionArn : `arn:aws:states:${region}:000000000000:execution:${machineName ?? options.name}:${name}`;
  };
  const executions = new Map<string, Execution>();
  const byArn = new Map<string, Execution>();
  const tasks = new Map<string, OpenTask>();
  const closedTokens = new Set<string>();
  const faults: Faults = { failSignals: new Map(), failStarts: 0, duplicateMessages: false };
  const injectSignalFault = (task: OpenTask) => {
    const name = byArn.get(task.executionArn)!.name;
    for (const key of [`${name}/${task.state}`, name]) {
      const left = faults.failSignals.get(key) ?? 0;
      if (left > 0) {
        faults.failSignals.set(key, left - 1);
        throw new ApiError('InternalFailure', 'Injected fault: the service failed this call', 500);
      }
    }
  };

  const record = (execution: Execution, type: string, details: Record<string, unknown> = {}) => {
    const id = execution.history.length + 1;
    execution.history.push({ id, previousEventId: id - 1, timestamp: Date.now() / 1000, type, ...details });
  };

  const closeTask = (token: string) => {
    const task = tasks.get(token);
    if (!task) return undefined;
    clearTimeout(task.timeoutTimer);
    clearTimeout(task.heartbeatTimer);
    tasks.delete(token);
    closedTokens.add(token);
    return task;
  };

  /** A waitForTaskToken task: send the message, then wait for a signal or a deadline. */
  const callbackTask = (executionArn: string, stateName: string) => async (input: Json) => {
    const execution = byArn.get(executionArn)!;
    const params = { ...(input as Record<string, Json>) };
    const timeoutSeconds = params[TIMEOUT_FIELD] as number | undefined;
    const heartbeatSeconds = params[HEARTBEAT_FIELD] as number | undefined;
    delete params[TIMEOUT_FIELD];
    delete params[HEARTBEAT_FIELD];
    const token = `${randomBytes(24).toString('base64url')}.${executions.size}`;
    const body = replaceToken(params.MessageBody ?? null, token);
    const { promise, resolve, reject } = deferred<Json>();
    const task: OpenTask = {
      executionArn,
      state: stateName,
      resolve,
      reject,
      heartbeatSeconds,
      expire(error) {
        if (!closeTask(token)) return;
        record(execution, 'TaskTimedOut', { taskTimedOutEventDetails: { resourceType: 'sqs', resource: 'sendMessage.waitForTaskToken', error } });
        reject(new TaskError(error, `The task did not finish within its ${error === 'States.HeartbeatTimeout' ? 'heartbeat' : 'timeout'}`));
      },
    };
    tasks.set(token, task);
    if (timeoutSeconds) {
      task.timeoutTimer = timer(() => task.expire('States.Timeout'), timeoutSeconds);
      task.deadlineAt = Date.now() + timeoutSeconds * 1000;
    }
    if (heartbeatSeconds) task.heartbeatTimer = timer(() => task.expire('States.HeartbeatTimeout'), heartbeatSeconds);
    record(execution, 'TaskScheduled', { taskScheduledEventDetails: { resourceType: 'sqs', resource: 'sendMessage.waitForTaskToken', parameters: JSON.stringify(params), timeoutInSeconds: timeoutSeconds } });
    try {
      const message = new SendMessageCommand({ QueueUrl: params.QueueUrl as string, MessageBody: typeof body === 'string' ? body : JSON.stringify(body) });
      await options.sqs.send(message);
      if (faults.duplicateMessages) await options.sqs.send(message);
    } catch (error) {
      closeTask(token);
      throw new TaskError('SQS.SdkClientException', (error as Error).message);
    }
    record(execution, 'TaskSubmitted', { taskSubmittedEventDetails: { resourceType: 'sqs', resource: 'sendMessage.waitForTaskToken' } });
    return promise;
  };

  const taskHandlers = (executionArn: string, definition: Definition) =>
    Object.fromEntries(
      Object.entries(definition.States)
        .filter(([, state]) => state.Type === 'Task' && state.Resource === CALLBACK_SQS)
        .map(([name]) => [name, callbackTask(executionArn, name)]),
    );

  function startExecution(name: string, input: string, machineArn = stateMachineArn): Execution {
    const existing = executions.get(name);
    if (existing) {
      if (existing.status === 'RUNNING' && existing.input === input && existing.stateMachineArn === machineArn) return existing;
      throw new ApiError('ExecutionAlreadyExists', `Execution Already Exists: '${existing.executionArn}'`);
    }
    const { name: machineName, definition, machine } = machines.get(machineArn)!;
    const executionArn = executionArnOf(name, machineName);
    const execution: Execution = { executionArn, stateMachineArn: machineArn, name, input, status: 'RUNNING', startDate: Date.now() / 1000, history: [] };
    executions.set(name, execution);
    byArn.set(executionArn, execution);
    launch(execution, machine, definition, input);
    return execution;
  }

  /** The same definition entered at another state: what a redrive runs (one StateMachine per state, made once). */
  const resumed = new Map<string, StateMachine>();
  function machineFrom(machineArn: string, state: string): StateMachine {
    const key = `${machineArn}|${state}`;
    // The whole definition was validated once; entered elsewhere, its earlier states look unreachable to the validator.
    if (!resumed.has(key)) resumed.set(key, new StateMachine({ ...machines.get(machineArn)!.definition, StartAt: state } as never, { validationOptions: { noValidate: true } }));
    return resumed.get(key)!;
  }

  /** Runs the execution on a machine with an input, recording its history and outcome. */
  function launch(execution: Execution, machine: StateMachine, definition: Definition, input: string): void {
    const { executionArn, name } = execution;
    const run = machine.run(JSON.parse(input) as never, {
      overrides: { taskResourceLocalHandlers: taskHandlers(executionArn, definition) as never },
      context: { Task: { Token: TOKEN_PLACEHOLDER }, Execution: { Id: executionArn, Name: name } } as never,
    });
    execution.abort = run.abort;
    void (async () => {
      for await (const event of run.eventLogs) {
        const state = (event as { state?: { name: string; type: string; input?: unknown; output?: unknown } }).state;
        if (event.type === 'StateEntered' && state) record(execution, `${state.type}StateEntered`, { stateEnteredEventDetails: { name: state.name, input: JSON.stringify(state.input) } });
        else if (event.type === 'StateExited' && state) record(execution, `${state.type}StateExited`, { stateExitedEventDetails: { name: state.name, output: JSON.stringify(state.output ?? null) } });
        else if (event.type === 'StateCaught' && state) record(execution, 'TaskFailed', { taskFailedEventDetails: { name: state.name } });
        else if (event.type === 'ExecutionStarted' && !execution.redriveCount) record(execution, 'ExecutionStarted', { executionStartedEventDetails: { input } });
      }
    })();
    run.result.then(
      (output) => {
        execution.status = 'SUCCEEDED';
        execution.output = JSON.stringify(output);
        execution.stopDate = Date.now() / 1000;
        record(execution, 'ExecutionSucceeded', { executionSucceededEventDetails: { output: execution.output } });
      },
      (error: Error & { cause?: Error }) => {
        if (execution.status !== 'RUNNING') return; // stopped by StopExecution
        const root = (error.cause ?? error) as Error;
        execution.status = 'FAILED';
        execution.error = root.name;
        execution.cause = root.message;
        execution.stopDate = Date.now() / 1000;
        record(execution, 'ExecutionFailed', { executionFailedEventDetails: { error: root.name, cause: root.message } });
      },
    );
  }

  /**
   * RedriveExecution: a failed, timed-out or aborted execution goes on from the state
   * that did not succeed (the last one entered), with the input that state had; the
   * history and what succeeded before are kept (AWS's redrive).
   */
  function redrive(execution: Execution) {
    if (execution.status === 'RUNNING' || execution.status === 'SUCCEEDED') {
      throw new ApiError('ExecutionNotRedrivable', `Execution ${execution.executionArn} is ${execution.status} and cannot be redriven`);
    }
    const entered = [...execution.history].reverse().find((event) => event.type.endsWith('StateEntered'));
    const details = entered?.stateEnteredEventDetails as { name: string; input: string } | undefined;
    if (!details) throw new ApiError('ExecutionNotRedrivable', `Execution ${execution.executionArn} never entered a state`);
    execution.status = 'RUNNING';
    delete execution.stopDate;
    delete execution.error;
    delete execution.cause;
    execution.redriveCount = (execution.redriveCount ?? 0) + 1;
    record(execution, 'ExecutionRedriven', { executionRedrivenEventDetails: { redriveCount: execution.redriveCount } });
    const { definition } = machines.get(execution.stateMachineArn)!;
    launch(execution, machineFrom(execution.stateMachineArn, details.name), definition, details.input);
    return { redriveDate: Date.now() / 1000 };
  }

  function describe(execution: Execution) {
    const { history: _h, abort: _a, redriveCount, ...rest } = execution;
    return { ...rest, redriveCount: redriveCount ?? 0 };
  }

  function findExecution(arn: unknown): Execution {
    const execution = typeof arn === 'string' ? byArn.get(arn) : undefined;
    if (!execution) throw new ApiError('ExecutionDoesNotExist', `Execution Does Not Exist: '${String(arn)}'`);
    return execution;
  }

  function openTask(token: unknown): [string, OpenTask] {
    if (typeof token !== 'string' || token.length < 1 || token.length > 1024) throw new ApiError('InvalidToken', 'Invalid Token');
    const task = tasks.get(token);
    if (!task) {
      if (closedTokens.has(token)) throw new ApiError('TaskTimedOut', 'Task Timed Out');
      throw new ApiError('TaskDoesNotExist', 'Task Does Not Exist');
    }
    return [token, task];
  }

  const actions: Record<string, (body: Record<string, unknown>) => unknown> = {
    StartExecution(body) {
      const machineArn = String(body.stateMachineArn);
      if (!machines.has(machineArn)) throw new ApiError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${machineArn}'`);
      if (faults.failStarts > 0) {
        faults.failStarts -= 1;
        throw new ApiError('InternalFailure', 'Injected fault: the service failed this call', 500);
      }
      const name = typeof body.name === 'string' ? body.name : randomBytes(16).toString('hex');
      if (!/^[A-Za-z0-9_-]{1,80}$/.test(name)) throw new ApiError('InvalidName', `Invalid Name: '${name}'`);
      const execution = startExecution(name, typeof body.input === 'string' ? body.input : '{}', machineArn);
      return { executionArn: execution.executionArn, startDate: execution.startDate };
    },
    DescribeExecution: (body) => describe(findExecution(body.executionArn)),
    RedriveExecution: (body) => redrive(findExecution(body.executionArn)),
    ListExecutions(body) {
      const filter = body.statusFilter as string | undefined;
      const all = [...executions.values()].filter((e) => (!filter || e.status === filter) && (!body.stateMachineArn || e.stateMachineArn === body.stateMachineArn)).reverse();
      const start = Number(body.nextToken ?? 0);
      const size = Math.min(Number(body.maxResults ?? 100) || 100, 1000);
      const page = all.slice(start, start + size);
      return {
        executions: page.map(({ executionArn, stateMachineArn: machine, name, status, startDate, stopDate }) => ({ executionArn, stateMachineArn: machine, name, status, startDate, stopDate })),
        nextToken: start + size < all.length ? String(start + size) : undefined,
      };
    },
    GetExecutionHistory(body) {
      const execution = findExecution(body.executionArn);
      const events = body.reverseOrder ? [...execution.history].reverse() : execution.history;
      return { events };
    },
    StopExecution(body) {
      const execution = findExecution(body.executionArn);
      if (execution.status === 'RUNNING') {
        execution.status = 'ABORTED';
        execution.stopDate = Date.now() / 1000;
        execution.error = body.error as string | undefined;
        execution.cause = body.cause as string | undefined;
        for (const [token, task] of tasks) if (task.executionArn === execution.executionArn) closeTask(token);
        execution.abort?.();
        record(execution, 'ExecutionAborted', {});
      }
      return { stopDate: execution.stopDate };
    },
    SendTaskSuccess(body) {
      const [token, task] = openTask(body.taskToken);
      injectSignalFault(task);
      let output: Json;
      try {
        output = JSON.parse(String(body.output)) as Json;
      } catch {
        throw new ApiError('InvalidOutput', 'Invalid Output');
      }
      closeTask(token);
      record(byArn.get(task.executionArn)!, 'TaskSucceeded', { taskSucceededEventDetails: { resourceType: 'sqs', output: body.output } });
      task.resolve(output);
      return {};
    },
    SendTaskFailure(body) {
      const [token, task] = openTask(body.taskToken);
      injectSignalFault(task);
      closeTask(token);
      const error = typeof body.error === 'string' ? body.error : 'States.TaskFailed';
      const cause = typeof body.cause === 'string' ? body.cause : '';
      record(byArn.get(task.executionArn)!, 'TaskFailed', { taskFailedEventDetails: { resourceType: 'sqs', error, cause } });
      task.reject(new TaskError(error, cause));
      return {};
    },
    SendTaskHeartbeat(body) {
      const [, task] = openTask(body.taskToken);
      if (task.heartbeatSeconds) {
        clearTimeout(task.heartbeatTimer);
        task.heartbeatTimer = timer(() => task.expire('States.HeartbeatTimeout'), task.heartbeatSeconds);
      }
      return {};
    },
  };

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const action = String(req.headers['x-amz-target'] ?? '').replace(/^AWSStepFunctions\./, '');
      let status = 200;
      let payload: unknown;
      const denied = options.authorize?.(req.headers.authorization, action, stateMachineArn);
      if (denied) {
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
        return res.end(JSON.stringify(denied));
      }
      try {
        const handler = actions[action];
        if (!handler) throw new ApiError('UnknownOperationException', `Unsupported operation ${action}`);
        payload = handler(JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>);
      } catch (error) {
        const apiError = error instanceof ApiError ? error : new ApiError('InternalFailure', (error as Error).message, 500);
        status = apiError.status;
        payload = { __type: `com.amazonaws.states#${apiError.type}`, message: apiError.message };
      }
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(JSON.stringify(payload));
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stateMachineArn,
    stateMachineArns: Object.fromEntries([...machines.entries()].map(([arn, m]) => [m.name, arn])),
    executions,
    executionArn: (name: string) => executionArnOf(name),
    openTasks(name) {
      const arn = executionArnOf(name);
      return [...tasks.values()].filter((t) => t.executionArn === arn).map((t) => ({ state: t.state, deadlineAt: t.deadlineAt ?? null }));
    },
    faults,
    async stop() {
      for (const token of [...tasks.keys()]) closeTask(token);
      for (const execution of executions.values()) if (execution.status === 'RUNNING') execution.abort?.();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
