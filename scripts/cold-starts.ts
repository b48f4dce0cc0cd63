/**
 * Cold starts, measured side by side: every function bundled as the CDK stack bundles
 * it (esbuild, ESM, minified, the AWS SDK inside), and a bare bundle holding only a
 * DynamoDB document client; each loaded in a fresh Node process, several times in
 * turn, the median kept. Prints each bundle's size, load time and ratio to the bare one.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { httpFunctions, scheduledFunctions, stageQueues, streamFunctions } from '../lib/topology.js';

export interface ColdStart {
  name: string;
  bytes: number;
  ms: number;
  ratio: number;
}

const BARE = 'bare DynamoDB document client';

/** The functions' entries by name, the yardstick first. */
function entries(root: string): Record<string, string> {
  return {
    [BARE]: join(root, 'scripts/bare-dynamodb-client.ts'),
    ...Object.fromEntries(
      [...httpFunctions.map((f) => [f.id, f.entry]), ...stageQueues.map((q) => [`${q.id}Worker`, q.worker]), ...scheduledFunctions.map((f) => [f.id, f.entry]), ...streamFunctions.map((f) => [f.id, f.entry])].map(([name, entry]) => [name!, join(root, entry!)]),
    ),
  };
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

export async function measureColdStarts(rounds = 7): Promise<ColdStart[]> {
  const root = fileURLToPath(new URL('../', import.meta.url));
  const dir = mkdtempSync(join(tmpdir(), 'cold-starts-'));
  try {
    const named = entries(root);
    const outdir = join(dir, 'out');
    const names = Object.keys(named);
    await build({
      entryPoints: Object.fromEntries(names.map((name, i) => [`f${i}`, named[name]!])),
      outdir,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      minify: true,
      outExtension: { '.js': '.mjs' },
      mainFields: ['module', 'main'],
      logLevel: 'silent',
      banner: { js: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);" },
    });
    const files = names.map((_, i) => join(outdir, `f${i}.mjs`));
    const times = names.map(() => [] as number[]);
    // Rounds in turn, so a busy moment of the machine falls on every bundle alike.
    for (let round = 0; round < rounds; round++) files.forEach((file, i) => times[i]!.push(loadOnce(file)));
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    const bare = median(times[0]!);
    return names.map((name, i) => ({ name, bytes: statSync(files[i]!).size, ms: median(times[i]!), ratio: median(times[i]!) / bare }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const c of await measureColdStarts()) console.log(`${c.name.padEnd(32)} ${(c.bytes / 1024).toFixed(0).padStart(6)} KB ${c.ms.toFixed(1).padStart(7)} ms  ${c.ratio.toFixed(2)}x`);
}
