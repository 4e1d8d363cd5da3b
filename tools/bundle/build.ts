// Run by `npm run build` last: bundles the command and the testkit, with the libraries every start
// loads (Koa and its router), into a few files of dist/bundle. Node then reads three files at start
// instead of some three hundred. The compiled modules stay where they are: the bundle reads their
// data files (the start-up template, package.json) where those modules would, and the specs import them.

import { build, type Plugin } from 'esbuild';
import { rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../../', import.meta.url));
const outdir = resolve(dist, 'bundle');

/** Loaded on first use (server/libraries.ts, dynamic imports): Node finds them in node_modules when asked. */
const loadedOnFirstUse = ['yaml', 'ajv', '@marcbachmann/cel-js', '@peculiar/x509', '@peculiar/asn1-schema', '@peculiar/asn1-x509', '@peculiar/asn1-csr', 'reflect-metadata', 'ws', 'protobufjs'];

/** `import.meta.url` of a compiled module, as seen from the bundle: data files and require() resolve as before. */
const moduleUrls: Plugin = {
  name: 'module-urls',
  setup(bundle) {
    bundle.onLoad({ filter: /\.js$/ }, async ({ path }) => {
      const contents = await readFile(path, 'utf8');
      if (!contents.includes('import.meta.url')) return undefined;
      if (relative(dist, path).startsWith('..')) throw new Error(`${path} uses import.meta.url outside dist/: it cannot be bundled`);
      const from = relative(outdir, dirname(path)).split('\\').join('/');
      return { contents: contents.replaceAll('import.meta.url', `new URL(${JSON.stringify(`${from}/`)}, import.meta.url).href`), loader: 'js', resolveDir: dirname(path) };
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

await build({
  entryPoints: { cli: resolve(dist, 'server/cli.js'), testkit: resolve(dist, 'testkit/index.js') },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: loadedOnFirstUse.flatMap((name) => [name, `${name}/*`]),
  // Bundled CommonJS packages require Node's built-in modules.
  banner: { js: "import { createRequire as kubemockCreateRequire } from 'node:module';\nconst require = kubemockCreateRequire(import.meta.url);" },
  plugins: [firstCall, moduleUrls, jsonAsText],
  sourcemap: 'linked',
  sourcesContent: false,
  logLevel: 'warning',
});
