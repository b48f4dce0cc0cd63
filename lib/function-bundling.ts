/**
 * How every function is bundled, in one place: the CDK stack (for deployment), the
 * local stack (to run it) and the cold-start bench (to measure it) all build with
 * these options, so what is measured and tested is what is deployed.
 *
 * Why esbuild directly and not NodejsFunction's bundling: code splitting. A function
 * imports rarely needed code (a payment provider's SDK, Swagger UI, the OpenAPI
 * generator) with `import()`; split into chunks of its own, that code is neither read
 * nor parsed at a cold start, only on its first use. NodejsFunction writes one file
 * (`--outfile`), and esbuild splits only into a directory.
 */
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync, type BuildOptions, type Metafile } from 'esbuild';

/** Node's web streams, loaded on first use (see the file: @middy/core imports them at its top, for a mode never used). */
const LAZY_STREAM_WEB = fileURLToPath(new URL('./bundling/lazy-stream-web.cjs', import.meta.url));

/** The Lambda runtime the stack deploys (CDK) and the one this machine runs (local stack, bench). */
export type BundleTarget = 'node22' | 'node20';

export function functionBuildOptions(target: BundleTarget): BuildOptions {
  return {
    bundle: true,
    platform: 'node',
    format: 'esm',
    target,
    minify: true,
    splitting: true,
    // Lambda's handler is `index.handler`; the chunks beside it load on demand.
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]-[hash]',
    // ESM builds of dependencies first, so they tree-shake.
    mainFields: ['module', 'main'],
    // The AWS SDK is bundled too: the version the tests ran is the version deployed.
    external: [],
    alias: { 'node:stream/web': LAZY_STREAM_WEB, 'stream/web': LAZY_STREAM_WEB },
    // Some dependencies still call require(); give ESM bundles one.
    banner: { js: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);" },
    logLevel: 'silent',
  };
}

/** What a bundle holds: bytes read at a cold start (index.mjs and what it imports statically), and in all. */
export interface BundleSize {
  loadedBytes: number;
  totalBytes: number;
}

/** Bundles one function into `outdir` as `index.mjs` plus its chunks (synchronous: CDK's local bundling is). */
export function bundleFunctionSync(entry: string, outdir: string, options: { target: BundleTarget; sourcemap?: boolean }): BundleSize {
  const { metafile } = buildSync({ ...functionBuildOptions(options.target), entryPoints: { index: entry }, outdir, sourcemap: options.sourcemap ?? false, metafile: true });
  return bundleSize(metafile, outdir);
}

function bundleSize(metafile: Metafile, outdir: string): BundleSize {
  const outputs = Object.fromEntries(Object.entries(metafile.outputs).filter(([path]) => path.endsWith('.mjs')));
  const index = Object.keys(outputs).find((path) => relative(outdir, path) === 'index.mjs')!;
  const loaded = new Set<string>();
  const visit = (path: string) => {
    if (loaded.has(path) || !outputs[path]) return;
    loaded.add(path);
    for (const imported of outputs[path]!.imports) if (imported.kind === 'import-statement') visit(imported.path);
  };
  visit(index);
  const sum = (paths: string[]) => paths.reduce((total, path) => total + outputs[path]!.bytes, 0);
  return { loadedBytes: sum([...loaded]), totalBytes: sum(Object.keys(outputs)) };
}
