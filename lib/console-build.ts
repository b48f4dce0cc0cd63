/**
 * Builds the operators' console (console/) with esbuild into a directory: index.html,
 * console.js (Preact, uPlot, the app), console.css and config.json (how it signs in and
 * where the API is). The local stack serves the directory at /console/; the CDK stack
 * uploads it to the console's bucket.
 */
import { buildSync } from 'esbuild';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../console/', import.meta.url));

export interface ConsoleSettings {
  mode: 'local' | 'cognito';
  apiUrl: string;
  cognito?: { domain: string; clientId: string; redirectUri: string };
}

/** Builds into `outdir` (a fresh temporary directory when not given); returns it. */
export function buildConsole(settings?: ConsoleSettings, outdir = mkdtempSync(join(tmpdir(), 'orders-console-'))): string {
  mkdirSync(outdir, { recursive: true });
  buildSync({
    entryPoints: { console: join(root, 'src/main.ts'), 'console-styles': join(root, 'src/styles.css') },
    outdir,
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022'],
    logLevel: 'silent',
  });
  // esbuild names the stylesheet after its entry; the page links console.css.
  copyFileSync(join(outdir, 'console-styles.css'), join(outdir, 'console.css'));
  copyFileSync(join(root, 'index.html'), join(outdir, 'index.html'));
  if (settings) writeFileSync(join(outdir, 'config.json'), JSON.stringify(settings));
  return outdir;
}
