// What cel-go's checker refuses in Kubernetes 1.32's CRD environment that cel-js compiles: literals
// it evaluates at compile time (format calls, duration and timestamp strings, matches patterns),
// list and map literals of mixed types (HomogeneousAggregateLiterals), and cel.bind, which the
// environment does not declare; then what building the program refuses (the literal patterns of
// find, findAll and the global matches). Each check looks at the parsed AST only.

import { goRegExp, GoRegExpError } from '../schema/regex.js';
import { FormatError, formatString } from './format.js';

interface CelAst {
  op: string;
  args: unknown;
  pos: number;
}

/** A compile error; `offset` where cel-go shows its position. */
export interface StaticProblem {
  message: string;
  offset?: number;
}

const isAst = (value: unknown): value is CelAst => typeof value === 'object' && value !== null && 'op' in value;

/** The value of a node made of literals only (numbers, strings, lists of them), else undefined. */
function literal(node: unknown): { value: unknown } | undefined {
  if (!isAst(node)) return undefined;
  if (node.op === 'value') return { value: node.args };
  if (node.op === '-_') {
    const inner = literal(node.args)?.value;
    if (typeof inner === 'bigint') return { value: -inner };
    if (typeof inner === 'number') return { value: -inner };
  }
  if (node.op === 'list' && Array.isArray(node.args)) {
    const items = node.args.map(literal);
    if (items.every((item) => item !== undefined)) return { value: items.map((item) => item!.value) };
  }
  return undefined;
}

/** The CEL type of a literal scalar, as the checker names it; undefined for null and aggregates. */
function literalType(node: unknown): string | undefined {
  const found = literal(node);
  if (!found) return undefined;
  const value = found.value;
  if (typeof value === 'bigint') return 'int';
  if (typeof value === 'number') return 'double';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'bool';
  if (value instanceof Uint8Array) return 'bytes';
  return (value as object | null)?.constructor?.name === 'UnsignedInt' ? 'uint' : undefined;
}

function mixedTypes(nodes: unknown[]): string | undefined {
  let first: string | undefined;
  for (const node of nodes) {
    const type = literalType(node);
    if (!type) continue;
    if (first && type !== first) return `expected type '${first}' but found '${type}'`;
    first ??= type;
  }
  return undefined;
}

const goDuration = /^[-+]?(0|((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+)$/;
const rfc3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** Go's error for a literal pattern it cannot compile; undefined for a valid one or a non-literal. */
function patternError(node: unknown): GoRegExpError | undefined {
  const pattern = literal(node)?.value;
  if (typeof pattern !== 'string') return undefined;
  try {
    goRegExp(pattern);
    return undefined;
  } catch (err) {
    if (err instanceof GoRegExpError) return err;
    throw err;
  }
}

function callProblem(node: CelAst): StaticProblem | string | undefined {
  const args = node.args as unknown[];
  if (node.op === 'call') {
    const [name, callArgs] = args as [string, unknown[]];
    const text = callArgs.length === 1 ? literal(callArgs[0])?.value : undefined;
    if (typeof text !== 'string') return undefined;
    if (name === 'duration' && !goDuration.test(text)) return 'invalid duration argument';
    if (name === 'timestamp' && (!rfc3339.test(text) || Number.isNaN(Date.parse(text)))) return 'invalid timestamp argument';
    return undefined;
  }
  const [name, receiver, callArgs] = args as [string, unknown, unknown[]];
  if (isAst(receiver) && receiver.op === 'id' && receiver.args === 'cel' && name === 'bind') return "undeclared reference to 'cel' (in container '')";
  // cel-go's checker compiles a member matches' literal pattern; find and findAll wait for the program.
  if (name === 'matches' && callArgs.length === 1 && patternError(callArgs[0])) return { message: 'invalid matches argument', offset: (callArgs[0] as CelAst).pos };
  if (name === 'format' && callArgs.length === 1) {
    const format = literal(receiver)?.value;
    const values = literal(callArgs[0])?.value;
    if (typeof format === 'string' && Array.isArray(values)) {
      try {
        formatString(format, values);
      } catch (err) {
        // Only what the checker knows from the types; a value's own failure waits for evaluation.
        if (err instanceof FormatError) return err.message;
      }
    }
  }
  return undefined;
}

/**
 * The first problem cel-go's checker finds in an expression's AST that cel-js lets through. The
 * arguments of a format call may mix types (cel-go exempts them from the homogeneity check).
 */
export function staticProblem(node: unknown, homogeneous = true): StaticProblem | undefined {
  if (Array.isArray(node)) {
    for (const child of node) {
      const found = staticProblem(child, homogeneous);
      if (found) return found;
    }
    return undefined;
  }
  if (!isAst(node)) return undefined;
  if (node.op === 'call' || node.op === 'rcall') {
    const own = callProblem(node);
    if (own) return typeof own === 'string' ? { message: own } : own;
    const formatCall = node.op === 'rcall' && (node.args as unknown[])[0] === 'format';
    return formatCall ? staticProblem((node.args as unknown[])[1], homogeneous) ?? staticProblem((node.args as unknown[])[2], false) : staticProblem(node.args, homogeneous);
  }
  if (homogeneous && Array.isArray(node.args)) {
    const entries = node.args as unknown[][];
    const mixed = node.op === 'list' ? mixedTypes(node.args) : node.op === 'map' ? (mixedTypes(entries.map((e) => e[0])) ?? mixedTypes(entries.map((e) => e[1]))) : undefined;
    if (mixed) return { message: mixed };
  }
  return staticProblem(node.args, homogeneous);
}

/**
 * What building a compiled expression's program refuses: a literal pattern of find, findAll or the
 * global matches that Go cannot compile (cel-go's regex library precompiles them), in Go's words.
 */
export function instantiationProblem(node: unknown): string | undefined {
  if (Array.isArray(node)) {
    for (const child of node) {
      const found = instantiationProblem(child);
      if (found) return found;
    }
    return undefined;
  }
  if (!isAst(node) || node.op === 'value' || node.op === 'id') return undefined;
  const args = node.args as unknown[];
  if (node.op === 'rcall' && (args[0] === 'find' || args[0] === 'findAll')) {
    const found = patternError((args[2] as unknown[])[0]);
    if (found) return found.message;
  }
  if (node.op === 'call' && args[0] === 'matches' && (args[1] as unknown[]).length === 2) {
    const found = patternError((args[1] as unknown[])[1]);
    if (found) return found.message;
  }
  return instantiationProblem(node.args);
}
