// What cel-go's checker refuses in Kubernetes 1.32's CRD environment that cel-js compiles: literals
// it evaluates at compile time (format calls, duration and timestamp strings, matches patterns),
// list and map literals of mixed types (HomogeneousAggregateLiterals), and cel.bind, which the
// environment does not declare. Each check looks at the parsed AST only.

import { goRegExp } from '../schema/regex.js';
import { FormatError, formatString } from './format.js';

interface CelAst {
  op: string;
  args: unknown;
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

function callProblem(node: CelAst): string | undefined {
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
  if (name === 'matches' && callArgs.length === 1) {
    const pattern = literal(callArgs[0])?.value;
    if (typeof pattern === 'string') {
      try {
        goRegExp(pattern);
      } catch {
        return 'invalid matches argument';
      }
    }
  }
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
export function staticProblem(node: unknown, homogeneous = true): string | undefined {
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
    if (own) return own;
    const formatCall = node.op === 'rcall' && (node.args as unknown[])[0] === 'format';
    return formatCall ? staticProblem((node.args as unknown[])[1], homogeneous) ?? staticProblem((node.args as unknown[])[2], false) : staticProblem(node.args, homogeneous);
  }
  if (homogeneous && Array.isArray(node.args)) {
    const entries = node.args as unknown[][];
    const mixed = node.op === 'list' ? mixedTypes(node.args) : node.op === 'map' ? (mixedTypes(entries.map((e) => e[0])) ?? mixedTypes(entries.map((e) => e[1]))) : undefined;
    if (mixed) return mixed;
  }
  return staticProblem(node.args, homogeneous);
}
