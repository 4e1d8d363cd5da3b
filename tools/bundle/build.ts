// Run by `npm run build` last: bundles the server, the command and the testkit, with the libraries
// every start loads (Koa and its router), into one script, dist/bundle/kubemock.cjs, which
// tools/bundle/runner.ts runs for the package's entry points (dist/bundle/cli.js and testkit.js).
// Node then reads a few files at start instead of some three hundred, and V8 takes the compiled
// code from the code cache made here by starting a cluster with the bundle. The compiled modules
// stay where they are: the bundle reads their data files (the start-up template, package.json)
// where those modules would, and the specs import them.

import { build, type Plugin } from 'esbuild';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bundleFile, codeCacheFile, compileBundle } from './runner.js';

const dist = fileURLToPath(new URL('../../', import.meta.url));
const outdir = resolve(dist, 'bundle');
/** Where the bundle's `bundleUrl` points: a file of dist/bundle, as the entry points' own URLs are. */
const bundleUrl = pathToFileURL(resolve(outdir, 'testkit.js')).href;

/** Loaded on first use (server/libraries.ts, dynamic imports): Node finds them in node_modules when asked. */
const loadedOnFirstUse = ['yaml', 'ajv', '@marcbachmann/cel-js', '@peculiar/x509', '@peculiar/asn1-schema', '@peculiar/asn1-x509', '@peculiar/asn1-csr', 'reflect-metadata', 'ws', 'protobufjs'];

/** `import.meta.url` of a compiled module, from the bundle's URL: data files and require() resolve as before. */
const moduleUrls: Plugin = {
  name: 'module-urls',
  setup(bundle) {
    bundle.onLoad({ filter: /\.js$/ }, async ({ path }) => {
      const contents = await readFile(path, 'utf8');
      if (!contents.includes('import.meta.url')) return undefined;
      if (relative(dist, path).startsWith('..')) throw new Error(`${path} uses import.meta.url outside dist/: it cannot be bundled`);
      const from = relative(outdir, dirname(path)).split('\\').join('/');
      return { contents: contents.replaceAll('import.meta.url', `new URL(${JSON.stringify(`${from}/`)}, bundleUrl).href`), loader: 'js', resolveDir: dirname(path) };
    });
  },
};

// Chunk names change with their contents: none of an earlier build may stay.
rmSync(outdir, { recursive: true, force: true });
/** JSON modules as JSON.parse of their text: V8 parses JSON several times faster than the same object literal in code. */
const jsonAsText: Plugin = {
  name: 'json-as-text',
  setup(bundle) {
    bundle.onLoad({ filter: /\.json$/ }, async ({ path }) => {
      const text = JSON.stringify(JSON.parse(await readFile(path, 'utf8')));
      return { contents: `module.exports = JSON.parse(${JSON.stringify(text)});`, loader: 'js' };
    });
  },
};

/**
 * Packages that Koa and its helpers require as they load but only call while answering, whose load
 * is costly (mime-types reads all of mime-db into maps: two copies, since accepts pins an older
 * one). Each stays in the bundle behind a stand-in with the same exports that requires it on the
 * first call.
 */
const requiredOnFirstCall = ['mime-types'];

const firstCall: Plugin = {
  name: 'first-call',
  setup(bundle) {
    const eager = 'eager:';
    const root = resolve(dist, '..');
    bundle.onResolve({ filter: new RegExp(`^(${requiredOnFirstCall.join('|')})$`) }, ({ path, resolveDir }) => ({
      path: relative(root, createRequire(resolve(resolveDir, 'importer.js')).resolve(path)),
      namespace: 'first-call',
    }));
    bundle.onResolve({ filter: new RegExp(`^${eager}`) }, ({ path }) => ({ path: path.slice(eager.length) }));
    bundle.onLoad({ filter: /.*/, namespace: 'first-call' }, ({ path: fromRoot }) => {
      const path = resolve(root, fromRoot);
      const exported = Object.entries(createRequire(path)(path) as Record<string, unknown>);
      const members = exported.map(([name, value]) =>
        typeof value === 'function'
          ? `${JSON.stringify(name)}: (...args) => load()[${JSON.stringify(name)}](...args),`
          : `get ${JSON.stringify(name)}() { return load()[${JSON.stringify(name)}]; },`,
      );
      const contents = `let loaded;\nconst load = () => (loaded ??= require(${JSON.stringify(eager + path)}));\nmodule.exports = {\n${members.join('\n')}\n};\n`;
      return { contents, loader: 'js', resolveDir: dirname(path) };
    });
  },
};

const script = await build({
  // The command is evaluated only when the command runs.
  stdin: {
    contents: `export * as testkit from './testkit/index.js';\nexport const runCommand = () => import('./server/cli.js');\n`,
    resolveDir: dist,
    sourcefile: 'kubemock.js',
  },
  outfile: resolve(outdir, bundleFile),
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  // import() of a package becomes require(): the bundle is compiled as a script, where import() has no module to resolve from.
  supported: { 'dynamic-import': false },
  external: loadedOnFirstUse.flatMap((name) => [name, `${name}/*`]),
  // The code is ES modules' code, which is strict.
  banner: { js: '"use strict";' },
  plugins: [firstCall, moduleUrls, jsonAsText],
  sourcemap: 'linked',
  sourcesContent: false,
  logLevel: 'error',
});
// A warning here (say, import.meta left in code a script cannot hold) is a bundle that misbehaves.
if (script.warnings.length > 0) throw new Error(`the bundle has warnings: ${script.warnings.map((w) => w.text).join('; ')}`);
// esbuild escapes what is not ASCII in strings; this does it in the comments and regular
// expressions it leaves, where a \u escape means the same. An ASCII file is read into a string
// of one byte per character, faster than one of two.
const bundlePath = resolve(outdir, bundleFile);
writeFileSync(bundlePath, readFileSync(bundlePath, 'utf8').replace(/[^\0-\x7f]/g, (unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`));

/** The code cache: V8's compiled code for the bundle and for what a test process's first cluster (start, reset, close) runs. */
async function writeCodeCache(): Promise<string[]> {
  const compiled = compileBundle(bundleUrl);
  const module = { exports: {} as { testkit: typeof import('../../testkit/index.js') } };
  (compiled.runInThisContext() as (...args: unknown[]) => void)(module.exports, createRequire(bundleUrl), module, bundleUrl);
  const { testkit } = module.exports;
  const cluster = await testkit.startKubemock();
  cluster.reset();
  await cluster.close();
  writeFileSync(resolve(outdir, codeCacheFile), compiled.createCachedData());
  return Object.keys(testkit);
}
const testkitExports = await writeCodeCache();

const runner = JSON.stringify(resolve(dist, 'tools/bundle/runner.js'));
const entries: Record<string, string> = {
  cli: `#!/usr/bin/env node\nimport { createRequire } from 'node:module';\nimport { runBundle } from ${runner};\nrunBundle(import.meta.url, createRequire(import.meta.url)).runCommand();\n`,
  testkit: `import { createRequire } from 'node:module';\nimport { runBundle } from ${runner};\nexport const { ${testkitExports.join(', ')} } = runBundle(import.meta.url, createRequire(import.meta.url)).testkit;\n`,
};
const entryPoints: Plugin = {
  name: 'entry-points',
  setup(bundle) {
    bundle.onResolve({ filter: /^entry:/ }, ({ path }) => ({ path: path.slice('entry:'.length), namespace: 'entry' }));
    bundle.onLoad({ filter: /.*/, namespace: 'entry' }, ({ path }) => ({ contents: entries[path], loader: 'js', resolveDir: outdir }));
  },
};
await build({
  entryPoints: Object.fromEntries(Object.keys(entries).map((name) => [name, `entry:${name}`])),
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  plugins: [entryPoints],
  sourcemap: 'linked',
  sourcesContent: false,
  logLevel: 'warning',
});
