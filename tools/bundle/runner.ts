// The package's entry points run the bundle through this. The bundle is a script that evaluates to
// a function, not an ES module, because Node 20 can give V8 a code cache only for scripts: with the
// cache the build made, V8 takes the compiled code of the bundle (and of every function a start
// runs) from it instead of parsing and compiling 2.5 MB of code in each test process. V8 refuses a
// cache made by another V8 version or flags; the bundle is then compiled as usual.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

/** What the bundle's code sees as free variables: CommonJS's three and the URL its data files are found from. */
const parameters = ['exports', 'require', 'module', 'bundleUrl'];

export const bundleFile = 'kubemock.cjs';
export const codeCacheFile = 'kubemock.code-cache';

/** The bundle's text. The build keeps it ASCII, which reads faster as latin1 than as UTF-8 (no decoding). */
function readBundle(bundleUrl: string): string {
  return readFileSync(new URL(bundleFile, bundleUrl), 'latin1');
}

/** The bundle as one script evaluating to a function of its parameters. */
export function compileBundle(bundleUrl: string, cachedData?: Buffer): vm.Script {
  // On the function's first line, so the bundle's lines (and its source map) stay where they are.
  const source = `(function (${parameters.join(', ')}) {${readBundle(bundleUrl)}\n})`;
  return new vm.Script(source, { filename: fileURLToPath(new URL(bundleFile, bundleUrl)), cachedData });
}

function readCodeCache(bundleUrl: string): Buffer | undefined {
  try {
    return readFileSync(new URL(codeCacheFile, bundleUrl));
  } catch {
    return undefined;
  }
}

type BundleFunction = (exports: object, require: NodeJS.Require, module: { exports: object }, bundleUrl: string) => void;

/**
 * A script runs in Node's main realm. A test runner that runs test files in a realm of their own
 * (jest's vm contexts) gets the bundle compiled in that realm instead, without the cache, so the
 * objects kubemock makes are of the realm its callers check them against.
 */
function bundleFunction(bundleUrl: string): BundleFunction {
  const inMainRealm = new vm.Script('globalThis').runInThisContext() === globalThis;
  if (inMainRealm) return compileBundle(bundleUrl, readCodeCache(bundleUrl)).runInThisContext() as BundleFunction;
  return new Function(...parameters, readBundle(bundleUrl)) as BundleFunction;
}

let loaded: Record<string, unknown> | undefined;

/** The bundle's exports, run once a process however many entry points ask. */
export function runBundle(bundleUrl: string, require: NodeJS.Require): Record<string, unknown> {
  if (!loaded) {
    const module = { exports: {} };
    bundleFunction(bundleUrl)(module.exports, require, module, bundleUrl);
    loaded = module.exports as Record<string, unknown>;
  }
  return loaded;
}
