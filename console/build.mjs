// Builds the web console into dist/console/ (or --outdir DIR): app.js (one minified ES module with
// CodeMirror), app.css and index.html. No CDN: agency networks often have no Internet access.
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
export const DEFAULT_OUTDIR = resolve(here, '..', 'dist', 'console');

/** Builds into `outdir`; resolves with the files' sizes in bytes. */
export async function buildConsole(outdir = DEFAULT_OUTDIR) {
  await mkdir(outdir, { recursive: true });
  const common = {
    bundle: true,
    minify: !process.env.CONSOLE_DEBUG,
    sourcemap: 'linked',
    logLevel: 'warning',
    legalComments: 'linked',
    metafile: true,
  };
  const js = await esbuild.build({
    ...common,
    entryPoints: [join(here, 'main.ts')],
    outfile: join(outdir, 'app.js'),
    format: 'esm',
    target: ['es2022', 'chrome110', 'firefox115', 'safari16'],
    tsconfig: join(here, 'tsconfig.json'),
  });
  const css = await esbuild.build({ ...common, entryPoints: [join(here, 'app.css')], outfile: join(outdir, 'app.css') });
  await copyFile(join(here, 'index.html'), join(outdir, 'index.html'));
  const sizes = {};
  for (const result of [js, css]) {
    for (const [file, output] of Object.entries(result.metafile.outputs)) sizes[file.split('/').pop()] = output.bytes;
  }
  return sizes;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--outdir');
  const outdir = at > 0 && process.argv[at + 1] ? resolve(process.argv[at + 1]) : DEFAULT_OUTDIR;
  const sizes = await buildConsole(outdir);
  const shown = Object.entries(sizes)
    .filter(([file]) => !file.endsWith('.map'))
    .map(([file, bytes]) => `${file} ${(bytes / 1024).toFixed(1)} KiB`);
  console.log(`console built into ${outdir}: ${shown.join(', ')}`);
}
