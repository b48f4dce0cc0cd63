/**
 * lib/function-bundling.ts: what esbuild splits off a function's entry for code it
 * shares with a lazily loaded module is merged back into index.mjs, so a cold start
 * reads one file, and the lazy module still uses the entry's very instance of it.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { bundleFunctionSync } from '../../lib/function-bundling.js';

const fixture = fileURLToPath(new URL('./fixtures/split/entry.ts', import.meta.url));

describe('function bundling', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'bundling-'));
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));
  const size = bundleFunctionSync(fixture, outdir, { target: 'node20', sourcemap: true });

  it('puts everything a cold start loads in index.mjs and each lazily imported module in a chunk', () => {
    expect(readdirSync(outdir).filter((file) => file.endsWith('.mjs'))).toEqual(['index.mjs']);
    // `later`, and `shared` as the entry imports it again with import() (a chunk re-exporting it from index.mjs).
    const chunks = readdirSync(join(outdir, 'chunks')).filter((file) => file.endsWith('.mjs'));
    expect(chunks.map((file) => file.split('-')[0]).sort()).toEqual(['later', 'shared']);
    expect(size.loadedBytes).toBe(statSync(join(outdir, 'index.mjs')).size);
    expect(size.totalBytes).toBe(chunks.reduce((total, file) => total + statSync(join(outdir, 'chunks', file)).size, size.loadedBytes));
  });

  it('gives lazily imported modules the entry’s own instance of what they share (or of themselves, when also imported statically), and maps a stack through both to the sources', () => {
    const script = `const { handler } = await import('./index.mjs'); console.log(JSON.stringify(await handler()));`;
    const result = JSON.parse(execFileSync(process.execPath, ['--enable-source-maps', '--input-type=module', '-e', script], { cwd: outdir, env: { PATH: process.env.PATH } }).toString());
    expect(result.same).toBe(true);
    expect(result.sharedLoads).toBe(1);
    expect(result.stack).toMatch(/fixtures\/split\/later\.ts:\d+/);
    expect(result.stack).toMatch(/fixtures\/split\/entry\.ts:\d+/);
  });
});
