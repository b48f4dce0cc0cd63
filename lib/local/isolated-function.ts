/**
 * Runs a function as Lambda would, locally: bundled by esbuild as the CDK stack
 * bundles it (ESM, everything inside, the AWS SDK too), in its own worker thread
 * (function-host.mjs) with exactly the environment the CDK stack gives it, so a
 * missing variable, a module-scope assumption, a dependency left out or a grant it
 * lacks fails here first. A crashed worker is replaced at the next invocation.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { build } from 'esbuild';
import { FUNCTION_TIMEOUT_SECONDS } from '../topology.js';
import { functionBuildOptions } from '../function-bundling.js';

/** Invokes the function with an event; the worker gives it its Lambda context. */
export type LoadedHandler = (event: unknown) => Promise<unknown>;

export interface IsolatedFunction {
  handler: LoadedHandler;
  /** Loads the function now (its cold start), so the first real invocation finds it warm. */
  warm(): Promise<void>;
  stop(): Promise<void>;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/**
 * Bundles the entries (paths from the project root) into a fresh directory, one
 * `.mjs` per entry (and the chunks they share), with the options of the CDK stack's
 * functions. Returns the bundle of each entry and a way to remove them.
 */
export async function bundleFunctions(entries: readonly string[]): Promise<{ bundles: Map<string, string>; remove(): Promise<void> }> {
  const outdir = await mkdtemp(join(tmpdir(), 'orders-functions-'));
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const named = entries.map((entry, i) => ({ entry, out: `${i}-${basename(entry, '.ts')}` }));
  // One build for every function (chunks shared on disk; each worker still loads its own copy), with the options of the CDK stack's.
  await build({ ...functionBuildOptions('node20'), minify: false, entryPoints: Object.fromEntries(named.map(({ entry, out }) => [out, join(root, entry)])), outdir });
  return {
    bundles: new Map(named.map(({ entry, out }) => [entry, join(outdir, `${out}.mjs`)])),
    remove: () => rm(outdir, { recursive: true, force: true }),
  };
}

export function isolatedFunction(options: {
  name: string;
  bundle: string;
  env: Record<string, string>;
  /** Takes the function's output (what it logs) instead of this process's stdout and stderr. */
  onOutput?: (chunk: Buffer) => void;
}): IsolatedFunction {
  let worker: Worker | null = null;
  let next = 0;
  const pending = new Map<number, Pending>();

  const start = (): Worker => {
    const started = new Worker(new URL('./function-host.mjs', import.meta.url), {
      env: options.env,
      ...(options.onOutput ? { stdout: true, stderr: true } : {}),
      workerData: {
        entryUrl: new URL(`file://${options.bundle}`).href,
        functionName: options.name,
        timeoutMs: FUNCTION_TIMEOUT_SECONDS * 1000,
      },
    });
    started.on('message', ({ id, result, error }: { id: number; result?: unknown; error?: { name: string; message: string; stack?: string } }) => {
      const call = pending.get(id);
      if (!call) return;
      pending.delete(id);
      if (error) call.reject(Object.assign(new Error(error.message), { name: error.name, stack: error.stack }));
      else call.resolve(result);
    });
    const fail = (error: Error) => {
      if (worker === started) worker = null;
      for (const [id, call] of pending) {
        pending.delete(id);
        call.reject(error);
      }
    };
    started.on('error', fail);
    started.on('exit', (code) => fail(new Error(`function ${options.name} exited (${code})`)));
    if (options.onOutput) for (const stream of [started.stdout, started.stderr]) stream.on('data', options.onOutput);
    // An idle function must not keep the process alive.
    started.unref();
    return started;
  };

  const send = (message: { event?: unknown; warm?: boolean }) =>
    new Promise<unknown>((resolve, reject) => {
      worker ??= start();
      const id = next++;
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, ...message });
    });

  return {
    handler: (event) => send({ event }),
    warm: async () => void (await send({ warm: true })),
    async stop() {
      const running = worker;
      worker = null;
      await running?.terminate();
    },
  };
}
