/**
 * Every function's bundle, loaded as Lambda loads it: the app is synthesized with
 * esbuild bundling (as `cdk deploy` would), then each bundle is copied where no
 * node_modules can be found and imported in a fresh Node process with exactly the
 * environment the template gives that function. A missing setting that a module
 * needs at cold start, or a dependency left out of the bundle, fails here before a
 * deployment can. So does a chunk loaded on first use that cannot load.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { App } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { OrdersStack, type OrdersStackProps } from '../../lib/orders-stack.js';
import { functionEntries } from '../../lib/topology.js';

const run = promisify(execFile);

interface FunctionResource {
  Properties: { Handler: string; Environment?: { Variables?: Record<string, unknown> } };
  Metadata?: Record<string, string>;
}

/** A value as CloudFormation would fill it in: intrinsics become plausible strings. */
function resolve(value: unknown, name: string): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const [fn, args] = Object.entries(value)[0]!;
    if (fn === 'Ref') return `${String(args)}-ref`;
    if (fn === 'Fn::GetAtt' && String((args as string[])[1]).includes('ApiEndpoint')) return 'https://api-id.execute-api.eu-west-1.amazonaws.com';
    if (fn === 'Fn::GetAtt') return `arn:aws:states:eu-west-1:123456789012:stateMachine:${(args as string[]).join('-')}`;
    if (fn === 'Fn::Join') return (args as [string, unknown[]])[1].map((part) => resolve(part, name)).join((args as [string])[0]);
    if (fn === 'Fn::Select') return resolve((args as [number, unknown[]])[1], name);
  }
  return `${name}-value`;
}

function synthesize(props: OrdersStackProps) {
  const outdir = mkdtempSync(join(tmpdir(), 'orders-bundles-'));
  // The CLI asks for asset and path metadata; a bare App must too, to tell each function's bundle and construct.
  const app = new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true, 'aws:cdk:enable-path-metadata': true } });
  const stack = new OrdersStack(app, 'Bundles', { env: { account: '123456789012', region: 'eu-west-1' }, ...props });
  const assembly = app.synth();
  const template = JSON.parse(readFileSync(join(assembly.directory, assembly.getStackByName(stack.stackName).templateFile), 'utf8'));
  const functions = Object.entries(template.Resources as Record<string, { Type: string } & FunctionResource>).filter(
    // Ours only: CDK's own custom-resource handlers (bucket deployment, auto-delete) are not built from this code.
    ([id, resource]) => resource.Type === 'AWS::Lambda::Function' && resource.Metadata?.['aws:asset:path'] && !id.startsWith('Custom'),
  );
  return { directory: assembly.directory, functions };
}

describe('function bundles', () => {
  let synthesized: ReturnType<typeof synthesize>;
  beforeAll(() => {
    // A staging stack: every function, the deployable sandbox too.
    synthesized = synthesize({ sandbox: true });
  }, 120_000);

  it('gives each function the bundle of its own entry', () => {
    // The construct ids the stack gives each function (lib/orders-stack.ts), and the file each is built from.
    const entries = new Map(functionEntries({ sandbox: true }).map((f) => [f.construct, f.entry]));
    const assets = synthesized.functions.map(([, resource]) => resource.Metadata!['aws:asset:path']!);
    expect(new Set(assets).size).toBe(synthesized.functions.length);
    for (const [logicalId, resource] of synthesized.functions) {
      const constructId = resource.Metadata!['aws:cdk:path']!.split('/')[1]!;
      const entry = entries.get(constructId);
      expect(entry, `${logicalId}: no entry for ${constructId}`).toBeDefined();
      // The source map names the files the bundle was built from.
      const { sources } = JSON.parse(readFileSync(join(synthesized.directory, resource.Metadata!['aws:asset:path']!, 'index.mjs.map'), 'utf8')) as { sources: string[] };
      expect(sources.some((source) => source.endsWith(entry!)), `${logicalId} is not built from ${entry}`).toBe(true);
    }
  });

  it('each loads in a fresh process with only its template environment and no node_modules', async () => {
    expect(synthesized.functions.length).toBeGreaterThanOrEqual(15);
    const failures: string[] = [];
    for (const [logicalId, resource] of synthesized.functions) {
      const isolated = mkdtempSync(join(tmpdir(), 'orders-lambda-'));
      cpSync(join(synthesized.directory, resource.Metadata!['aws:asset:path']!), isolated, { recursive: true });
      const [file] = resource.Properties.Handler.split('.');
      const env = Object.fromEntries(Object.entries(resource.Properties.Environment?.Variables ?? {}).map(([k, v]) => [k, resolve(v, k)]));
      // As Lambda: its region and runtime variables, no credentials needed to load.
      const lambdaEnv = { ...env, AWS_REGION: 'eu-west-1', AWS_LAMBDA_FUNCTION_NAME: logicalId, PATH: process.env.PATH ?? '', NODE_OPTIONS: '' };
      try {
        // The handler's file, then every chunk it may load later (each imports what it shares from index.mjs).
        const script = `const m = await import('./${file}.mjs'); const { existsSync, readdirSync } = await import('node:fs');
          const chunks = existsSync('chunks') ? readdirSync('chunks').filter((f) => f.endsWith('.mjs')) : [];
          for (const chunk of chunks) await import('./chunks/' + chunk);
          console.log(typeof m.handler, readdirSync('.').filter((f) => f.endsWith('.mjs')).length);`;
        const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: isolated, env: lambdaEnv });
        // One file read at a cold start (lib/function-bundling.ts merges what esbuild split off the entry).
        if (stdout.trim() !== 'function 1') failures.push(`${logicalId}: ${stdout.trim() || 'nothing'} (expected a handler in the one index.mjs)`);
      } catch (error) {
        const stderr = String((error as { stderr?: string }).stderr ?? error);
        // Node prints the minified source line first; the error itself is the line that starts with its name.
        const message = stderr.split('\n').find((line) => /^\w*Error\b/.test(line)) ?? stderr.split('\n').filter(Boolean).at(-1) ?? '';
        failures.push(`${logicalId}: ${message.slice(0, 300)}`);
      }
    }
    expect(failures).toEqual([]);
  }, 180_000);
});
