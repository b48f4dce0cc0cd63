/**
 * Cold starts, measured side by side: every function bundled as the CDK stack bundles
 * it (lib/function-bundling.ts: esbuild, ESM, minified, the AWS SDK inside, what a cold
 * start loads in one index.mjs, lazily imported code in chunks loaded on first use), and
 * a bare bundle holding only a DynamoDB document client, built the same way; each loaded
 * in a fresh Node process, several times in turn, the best kept (noise on a shared
 * machine only adds). Prints each bundle's size (read at a cold start, and in all), load
 * time and ratio to the bare one.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleFunctionSync } from '../lib/function-bundling.js';
import { functionEntries } from '../lib/topology.js';

export interface ColdStart {
  name: string;
  /** Read at a cold start (index.mjs and the chunks it imports statically). */
  loadedBytes: number;
  /** With the chunks loaded on first use. */
  totalBytes: number;
  ms: number;
  ratio: number;
}

const BARE = 'bare DynamoDB document client';

/** The functions' entries by name, the yardstick first. */
function entries(root: string): Record<string, string> {
  return { [BARE]: join(root, 'scripts/bare-dynamodb-client.ts'), ...Object.fromEntries(functionEntries().map((f) => [f.id, join(root, f.entry)])) };
}

/** One cold load: a fresh process imports the bundle; milliseconds from start of import to its end. */
function loadOnce(file: string): number {
  const script = `const t = performance.now(); await import(${JSON.stringify(`file://${file}`)}); process.stdout.write(String(performance.now() - t));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { PATH: process.env.PATH, AWS_REGION: 'us-east-1', TABLE_NAME: 'orders', POWERTOOLS_SERVICE_NAME: 'orders', AWS_LAMBDA_FUNCTION_NAME: 'cold-start' },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return Number(out.toString());
}

/** One line of the report: size read at a cold start (and in all), load time, ratio to the bare client. */
export function coldStartLine(c: ColdStart): string {
  return `${c.name.padEnd(30)} ${kb(c.loadedBytes)} KB (of ${kb(c.totalBytes)} KB) ${c.ms.toFixed(1).padStart(7)} ms  ${c.ratio.toFixed(2)}x`;
}

/**
 * 61 rounds: with 31, a bundle's best still moved by 3 to 5% from one run to the next on
 * this 2-core VM (and the bare client's best moves every ratio); more rounds steady it.
 */
export async function measureColdStarts(rounds = 61): Promise<ColdStart[]> {
  const root = fileURLToPath(new URL('../', import.meta.url));
  const dir = mkdtempSync(join(tmpdir(), 'cold-starts-'));
  try {
    const named = entries(root);
    const names = Object.keys(named);
    // Each function on its own, as the CDK stack builds it: index.mjs and the chunks it may load later.
    const sizes = names.map((name, i) => bundleFunctionSync(named[name]!, join(dir, `f${i}`), { target: 'node20' }));
    const files = names.map((_, i) => join(dir, `f${i}`, 'index.mjs'));
    const times = names.map(() => [] as number[]);
    // Rounds in turn, so a busy moment of the machine falls on every bundle alike.
    for (let round = 0; round < rounds; round++) files.forEach((file, i) => times[i]!.push(loadOnce(file)));
    // The best of the rounds, as Python's timeit reports: on a shared machine noise only adds time.
    const best = (values: number[]) => Math.min(...values);
    const bare = best(times[0]!);
    return names.map((name, i) => ({ name, ...sizes[i]!, ms: best(times[i]!), ratio: best(times[i]!) / bare }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const kb = (bytes: number) => (bytes / 1024).toFixed(0).padStart(5);

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const c of await measureColdStarts()) console.log(coldStartLine(c));
}
