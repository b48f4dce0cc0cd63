/**
 * How every function is bundled, in one place: the CDK stack (for deployment), the
 * local stack (to run it) and the cold-start bench (to measure it) all build with
 * these options, so what is measured and tested is what is deployed. The CDK stack and
 * the bench also merge what a cold start loads into one file (bundleFunctionSync); the
 * local stack builds every function in one run, unmerged, to start in seconds (the
 * merge moves code between files, never changes it: test/infra/function-bundling.test.ts,
 * and bundles.test.ts loads every deployed chunk).
 *
 * Why esbuild directly and not NodejsFunction's bundling: code splitting. A function
 * imports rarely needed code (a payment provider's SDK, Swagger UI, the OpenAPI
 * generator) with `import()`; split into chunks of its own, that code is neither read
 * nor parsed at a cold start, only on its first use. NodejsFunction writes one file
 * (`--outfile`), and esbuild splits only into a directory.
 */
import { readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
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

/**
 * Bundles one function into `outdir` as `index.mjs` plus the chunks it loads on first use
 * (synchronous: CDK's local bundling is).
 *
 * Two steps. esbuild splits the function: the entry, a chunk per lazily imported module,
 * and "shared" chunks for code that both the entry and a lazy chunk use. Those shared
 * chunks are always loaded at a cold start (the entry imports them), so they are merged
 * back into `index.mjs` (mergeStaticChunks): one file to resolve, read, compile and link
 * instead of 9 to 19, which took 12 to 15% off every function's load (scripts/cold-starts.ts).
 * Rollup does the same by itself (a lazy chunk imports what it shares from the entry);
 * esbuild does not.
 */
export function bundleFunctionSync(entry: string, outdir: string, options: { target: BundleTarget; sourcemap?: boolean }): BundleSize {
  const sourcemap = options.sourcemap ?? false;
  const { metafile } = buildSync({ ...functionBuildOptions(options.target), entryPoints: { index: entry }, outdir, sourcemap, metafile: true });
  mergeStaticChunks(outdir, metafile, { target: options.target, sourcemap });
  return bundleSize(outdir);
}

/** The outputs of a build by absolute path (JavaScript only, not source maps). */
function modulesOf(metafile: Metafile): Map<string, Metafile['outputs'][string]> {
  return new Map(Object.entries(metafile.outputs).filter(([path]) => path.endsWith('.mjs')).map(([path, output]) => [resolve(path), output]));
}

/** The entry and every output it imports statically, that is, what a cold start loads. */
function staticallyLoaded(modules: Map<string, Metafile['outputs'][string]>, entry: string): Set<string> {
  const loaded = new Set<string>();
  const visit = (path: string) => {
    if (loaded.has(path) || !modules.has(path)) return;
    loaded.add(path);
    for (const imported of modules.get(path)!.imports) if (imported.kind === 'import-statement') visit(resolve(imported.path));
  };
  visit(entry);
  return loaded;
}

/**
 * Rewrites a split build so that `index.mjs` holds everything a cold start loads:
 * 1. a new `index.mjs` bundles the old entry and its statically imported chunks, and
 *    re-exports each chunk's exports under a unique name (`$<chunk>_<name>`); the lazy
 *    chunks stay external (esbuild rewrites their paths for the new file);
 * 2. each static chunk is replaced by a stub re-exporting those names from `index.mjs`,
 *    and every lazy chunk is bundled again against the stubs, so it imports from the
 *    very module instance the function loaded (one copy of every client and cache);
 * 3. the stubs and the old entry are removed.
 * A lazy chunk imports `index.mjs` only when it is first used, after the entry has run.
 */
function mergeStaticChunks(outdir: string, metafile: Metafile, options: { target: BundleTarget; sourcemap: boolean }): void {
  const modules = modulesOf(metafile);
  const entry = resolve(outdir, 'index.mjs');
  const staticChunks = [...staticallyLoaded(modules, entry)].filter((path) => path !== entry);
  if (staticChunks.length === 0) return;
  const lazyChunks = [...modules.keys()].filter((path) => path !== entry && !staticChunks.includes(path));
  const exported = (chunk: string, i: number) => modules.get(chunk)!.exports.map((name) => [name, `$${i}_${name}`] as const);
  const { banner: _alreadyInEveryChunk, ...options_ } = functionBuildOptions(options.target);
  const rebuild = { ...options_, splitting: false, sourcemap: options.sourcemap, external: lazyChunks, allowOverwrite: true } satisfies BuildOptions;

  // 1. One index.mjs for the whole static graph.
  const splitEntry = join(outdir, '.split-index.mjs');
  const facade = join(outdir, '.merged-index.mjs');
  renameSync(entry, splitEntry);
  if (options.sourcemap) {
    // Moved with its map, and pointing at it, so the entry's own code keeps its mapping to the sources.
    renameSync(`${entry}.map`, `${splitEntry}.map`);
    writeFileSync(splitEntry, readFileSync(splitEntry, 'utf8').replace(/\/\/# sourceMappingURL=index\.mjs\.map\s*$/, '//# sourceMappingURL=.split-index.mjs.map\n'));
  }
  writeFileSync(
    facade,
    [`export * from ${JSON.stringify(splitEntry)};`, ...staticChunks.map((chunk, i) => `export { ${exported(chunk, i).map(([name, unique]) => `${name} as ${unique}`).join(', ')} } from ${JSON.stringify(chunk)};`)].join('\n'),
  );
  buildSync({ ...rebuild, entryPoints: [facade], outfile: entry });

  // 2. Lazy chunks import what they share from index.mjs.
  // (A relative path, so esbuild writes it relative to each rebuilt chunk.)
  const entryFrom = (chunk: string) => `./${relative(dirname(chunk), entry)}`.replace(/^\.\/\.\.\//, '../');
  staticChunks.forEach((chunk, i) => writeFileSync(chunk, `export { ${exported(chunk, i).map(([name, unique]) => `${unique} as ${name}`).join(', ')} } from ${JSON.stringify(entryFrom(chunk))};`));
  const importsStatic = (chunk: string) => modules.get(chunk)!.imports.some((imported) => staticChunks.includes(resolve(imported.path)));
  for (const chunk of lazyChunks.filter(importsStatic)) buildSync({ ...rebuild, external: [entry, ...lazyChunks.filter((path) => path !== chunk)], entryPoints: [chunk], outfile: chunk });

  // 3. Only the merged entry and the lazy chunks remain.
  for (const path of [splitEntry, facade, ...staticChunks]) for (const file of [path, `${path}.map`]) rmSync(file, { force: true });
}

/** What a bundle directory holds: bytes read at a cold start (index.mjs), and in all. */
function bundleSize(outdir: string): BundleSize {
  const files = readdirSync(outdir, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.mjs'));
  const bytes = (file: string) => statSync(join(outdir, file)).size;
  return { loadedBytes: bytes('index.mjs'), totalBytes: files.reduce((total, file) => total + bytes(file), 0) };
}
