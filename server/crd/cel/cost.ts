// The static cost of a CEL expression as kube-apiserver estimates it before it accepts a CRD: cel-go's
// checker cost model (cost units per node, comprehensions multiplied by their range's size) with
// Kubernetes' library costs and sizes taken from the schema (apiextensions-apiserver's compilation.go,
// apiserver/pkg/cel/library/cost.go). Only the worst case (Max) decides; Min is kept where the model
// needs it (&&, ||, equality).

import { celTypes, type CelType, library, listOf, mapOf, optionalOf } from './types.js';

/** cel-go keeps costs in uint64 and saturates at its largest value. */
export const maxCost = 2 ** 64 - 1;

export interface Range {
  min: number;
  max: number;
}

const add = (x: number, y: number) => Math.min(maxCost, x + y);
const mul = (x: number, y: number) => (y !== 0 && x > maxCost / y ? maxCost : x * y);
const byFactor = (x: number, f: number) => Math.min(maxCost, Math.ceil(x * f));
const range = (min: number, max = min): Range => ({ min, max });
const plus = (a: Range, b: Range): Range => ({ min: add(a.min, b.min), max: add(a.max, b.max) });
const times = (a: Range, b: Range): Range => ({ min: mul(a.min, b.min), max: mul(a.max, b.max) });
const factor = (a: Range, f: number): Range => ({ min: byFactor(a.min, f), max: byFactor(a.max, f) });
const union = (a: Range, b: Range): Range => ({ min: Math.min(a.min, b.min), max: Math.max(a.max, b.max) });
const sum = (costs: Range[]) => costs.reduce(plus, range(0));

const stringTraversal = 0.1;
const regexLength = 0.25;
const listCreate = 10;
const mapCreate = 30;
/** The longest regular expression a named format checks with. */
const maxNameFormatRegex = 128;
const maxFormat = 64;
const unbounded = range(0, maxCost);

/** The checker's view of a node: its type, where in `self` it comes from, and a size CEL itself knows. */
interface Node {
  type: CelType;
  /** `['self', 'spec', 'items', '@items']`, only for values reached from a variable. */
  path?: string[];
  /** The size of literals, literal lists and maps, and of what some calls return. */
  size?: Range;
}

interface Estimate extends Node {
  cost: Range;
  /** The value of a literal. */
  literal?: unknown;
}

/** A cel-js AST node, as far as the estimator reads it. */
interface Ast {
  op: string;
  args: any;
}

interface Scope {
  /** Iteration variables, innermost last, with the range they walk. */
  iterations: Array<{ name: string; range: Node }>;
  /** Variables bound by cel.bind. */
  bound: Map<string, CelType>;
}

const isScalar = (t: CelType) => ['bool', 'double', 'duration', 'int', 'timestamp', 'uint'].includes(t.kind);
const isDyn = (t: CelType) => t.kind === 'dyn';

export class CostEstimator {
  constructor(
    /** The type of `self`, whose fields paths walk. */
    private readonly root: CelType,
    /** The declared variables: self, oldSelf (optional for rules with optionalOldSelf). */
    private readonly variables: Map<string, CelType>,
  ) {}

  /** The worst-case cost of an expression. */
  estimate(ast: Ast): Range {
    return this.cost(ast, { iterations: [], bound: new Map() }).cost;
  }

  /** A size from the schema for a node reached from a variable: {0, the most elements its type can have}. */
  private schemaSize(path: string[] | undefined): Range | undefined {
    if (!path?.length) return undefined;
    let node: CelType | undefined = this.root;
    for (const step of path.slice(1)) {
      if (step === '@items' || step === '@values') node = node.elem;
      else if (step === '@keys') node = node.key;
      else node = node.fields?.get(step);
      if (!node) return undefined;
    }
    return range(0, node.maxElements);
  }

  /** The checker's size estimate: what CEL knows, else the schema's, else 1 for scalars and anything for the rest. */
  private size(node: Node): Range {
    return node.size ?? this.schemaSize(node.path) ?? (isScalar(node.type) ? range(1) : unbounded);
  }

  /** The size Kubernetes' library functions use: as above, without the scalar case. */
  private librarySize(node: Node): Range {
    return node.size ?? this.schemaSize(node.path) ?? unbounded;
  }

  private literal(value: unknown, negated = false): Estimate {
    const literal = { cost: range(0), literal: negated && (typeof value === 'bigint' || typeof value === 'number') ? -value : value };
    if (typeof value === 'string') return { ...literal, type: celTypes.string, size: range([...value].length) };
    if (value instanceof Uint8Array) return { ...literal, type: celTypes.bytes, size: range(value.length) };
    if (typeof value === 'bigint') return { ...literal, type: celTypes.int, size: range(1) };
    if (typeof value === 'number') return { ...literal, type: celTypes.double, size: range(1) };
    if (typeof value === 'boolean') return { ...literal, type: celTypes.bool, size: range(1) };
    if (value === null) return { ...literal, type: celTypes.null, size: range(1) };
    return { ...literal, type: celTypes.uint, size: range(1) };
  }

  private cost(ast: Ast, scope: Scope): Estimate {
    switch (ast.op) {
      case 'value':
        return this.literal(ast.args);
      case 'id':
        return this.ident(ast.args as string, scope);
      case '.':
        return this.select(ast.args[0], ast.args[1], scope);
      case '.?': {
        const operand = this.cost(ast.args[0], scope);
        return { cost: plus(operand.cost, range(1)), type: optionalOf(fieldType(operand.type, ast.args[1])) };
      }
      case '[?]': {
        const [operand, index] = [this.cost(ast.args[0], scope), this.cost(ast.args[1], scope)];
        return { cost: sum([operand.cost, index.cost, range(1)]), type: optionalOf(operand.type.elem ?? celTypes.dyn) };
      }
      case '[]':
        return this.index(this.cost(ast.args[0], scope), this.cost(ast.args[1], scope));
      case 'list': {
        const elems = (ast.args as Ast[]).map((e) => this.cost(e, scope));
        return { cost: plus(sum(elems.map((e) => e.cost)), range(listCreate)), type: listOf(joinTypes(elems.map((e) => e.type))), size: range(elems.length) };
      }
      case 'map': {
        const entries = (ast.args as Array<[Ast, Ast]>).map(([k, v]) => [this.cost(k, scope), this.cost(v, scope)]);
        const cost = plus(sum(entries.flat().map((e) => e.cost)), range(mapCreate));
        return { cost, type: mapOf(joinTypes(entries.map((e) => e[0].type)), joinTypes(entries.map((e) => e[1].type))), size: range(entries.length) };
      }
      case '&&':
      case '||': {
        const [l, r] = [this.cost(ast.args[0], scope), this.cost(ast.args[1], scope)];
        return { cost: { min: l.cost.min, max: add(l.cost.max, r.cost.max) }, type: celTypes.bool };
      }
      case '?:': {
        const [c, t, f] = (ast.args as Ast[]).map((a) => this.cost(a, scope));
        return { cost: plus(c.cost, union(t.cost, f.cost)), type: joinTypes([t.type, f.type]), size: union(this.size(t), this.size(f)) };
      }
      case '!_':
        return { cost: plus(this.cost(ast.args, scope).cost, range(1)), type: celTypes.bool };
      case '-_': {
        // The parser reads a negative number as one literal.
        if (ast.args.op === 'value' && (typeof ast.args.args === 'bigint' || typeof ast.args.args === 'number')) return this.literal(ast.args.args, true);
        const operand = this.cost(ast.args, scope);
        return { cost: plus(operand.cost, range(1)), type: operand.type };
      }
      case 'call':
        return this.call(ast.args[0], undefined, ast.args[1], scope);
      case 'rcall':
        return this.call(ast.args[0], ast.args[1], ast.args[2], scope);
      default:
        return this.operator(ast.op, this.cost(ast.args[0], scope), this.cost(ast.args[1], scope));
    }
  }

  private ident(name: string, scope: Scope): Estimate {
    const cost = range(1);
    for (let i = scope.iterations.length - 1; i >= 0; i--) {
      const { name: iterVar, range: over } = scope.iterations[i];
      if (iterVar !== name) continue;
      const base = over.path ?? [];
      if (over.type.kind === 'list') return { cost, type: over.type.elem ?? celTypes.dyn, path: [...base, '@items'] };
      if (over.type.kind === 'map') return { cost, type: over.type.key ?? celTypes.dyn, path: [...base, '@keys'] };
      return { cost, type: celTypes.dyn };
    }
    const type = scope.bound.get(name) ?? this.variables.get(name) ?? identType(name);
    return { cost, type, path: [name] };
  }

  private select(operandAst: Ast, name: string, scope: Scope): Estimate {
    const operand = this.cost(operandAst, scope);
    const t = operand.type;
    const selects = t.kind === 'map' || t.kind === 'object' || (t.kind === 'library' && isStruct(t));
    return { cost: plus(operand.cost, range(selects ? 1 : 0)), type: fieldType(t, name), path: [...(operand.path ?? []), name] };
  }

  private index(operand: Estimate, index: Estimate): Estimate {
    const cost = sum([operand.cost, index.cost, range(1)]);
    const base = operand.path ?? [];
    if (operand.type.kind === 'list') return { cost, type: operand.type.elem ?? celTypes.dyn, path: [...base, '@items'] };
    if (operand.type.kind === 'map') return { cost, type: operand.type.elem ?? celTypes.dyn, path: [...base, '@values'] };
    // A dynamic operand may be either; the map's path is the last the checker records.
    return { cost, type: celTypes.dyn, path: isDyn(operand.type) ? [...base, '@values'] : undefined };
  }

  /** Binary operators, over every overload the operand types allow. */
  private operator(op: string, l: Estimate, r: Estimate): Estimate {
    const args = plus(l.cost, r.cost);
    const one = plus(range(1), args);
    const kinds = [l.type.kind, r.type.kind];
    const may = (kind: string) => kinds.every((k) => k === kind || k === 'dyn');
    switch (op) {
      case '==':
        if (l.type.kind === r.type.kind && l.type.kind === 'library' && l.type.name === r.type.name) {
          if (l.type.name === 'Format') return { cost: plus(factor(range(1, maxFormat), stringTraversal), args), type: celTypes.bool };
          return { cost: one, type: celTypes.bool };
        }
        return { cost: plus(this.equalityCost(l, r), args), type: celTypes.bool };
      case '!=':
        return { cost: plus(this.equalityCost(l, r), args), type: celTypes.bool };
      case '<':
      case '<=':
      case '>':
      case '>=': {
        const costs: Range[] = [];
        if (may('string') || may('bytes')) costs.push(plus(this.equalityCost(l, r), args));
        if (!(l.type.kind === r.type.kind && (l.type.kind === 'string' || l.type.kind === 'bytes'))) costs.push(one);
        return { cost: costs.reduce(union), type: celTypes.bool };
      }
      case 'in': {
        const costs: Range[] = [];
        if (r.type.kind === 'list' || isDyn(r.type)) costs.push(plus(factor(this.size(r), 1), args));
        if (r.type.kind !== 'list') costs.push(one);
        return { cost: costs.reduce(union), type: celTypes.bool };
      }
      case '+': {
        const results: Array<{ cost: Range; size?: Range }> = [];
        const joined = () => plus(this.size(l), this.size(r));
        if (may('string') || may('bytes')) results.push({ cost: plus(factor(joined(), stringTraversal), args), size: joined() });
        if (may('list')) results.push({ cost: one, size: joined() });
        if (!(l.type.kind === r.type.kind && ['string', 'bytes', 'list'].includes(l.type.kind))) results.push({ cost: one });
        const sizes = results.filter((x) => x.size).map((x) => x.size!);
        return { cost: results.map((x) => x.cost).reduce(union), type: isDyn(l.type) ? r.type : l.type, size: sizes.length ? sizes.reduce(union) : undefined };
      }
      default:
        return { cost: one, type: isDyn(l.type) ? r.type : l.type };
    }
  }

  /** Equality and ordering of strings and bytes walk the shorter operand; other values compare in one step. */
  private equalityCost(l: Node, r: Node): Range {
    const smallestMax = Math.min(this.size(l).max, this.size(r).max);
    return factor(range(smallestMax > 0 ? 1 : 0, smallestMax), stringTraversal);
  }

  private call(name: string, targetAst: Ast | undefined, argAsts: Ast[], scope: Scope): Estimate {
    if (targetAst?.op === 'id' && ['cel', 'optional', 'format', 'strings', 'sets', 'ip'].includes(targetAst.args) && !scope.bound.has(targetAst.args)) {
      const qualified = `${targetAst.args}.${name}`;
      if (qualified === 'cel.bind') return this.bind(argAsts, scope);
      // Namespaced functions are global calls: the namespace is part of the name.
      return this.call(qualified, undefined, argAsts, scope);
    }
    if (targetAst && (name === 'all' || name === 'exists' || name === 'exists_one' || name === 'map' || name === 'filter') && argAsts[0]?.op === 'id') {
      return this.comprehension(name, targetAst, argAsts, scope);
    }
    if (!targetAst && name === 'has' && argAsts.length === 1 && argAsts[0].op === '.') {
      // A presence test costs nothing beyond its operand (PresenceTestHasCost(false)).
      return { cost: this.cost(argAsts[0].args[0], scope).cost, type: celTypes.bool };
    }
    const args = argAsts.map((a) => this.cost(a, scope));
    const target = targetAst && this.cost(targetAst, scope);
    const argCost = sum(args.map((a) => a.cost));
    const call = this.functionCost(name, target, args);
    return { cost: plus(plus(target?.cost ?? range(0), argCost), call.cost), type: call.type, size: call.size };
  }

  /** cel.bind(v, init, expr): a comprehension over an empty list whose accumulator is v. */
  private bind(argAsts: Ast[], scope: Scope): Estimate {
    const [variable, initAst, exprAst] = argAsts;
    const init = this.cost(initAst, scope);
    const bound = new Map(scope.bound).set(variable.args, init.type);
    const result = this.cost(exprAst, { ...scope, bound });
    return { cost: sum([range(listCreate), init.cost, result.cost]), type: result.type, size: range(0) };
  }

  private comprehension(name: string, targetAst: Ast, argAsts: Ast[], scope: Scope): Estimate {
    const over = this.cost(targetAst, scope);
    const inner: Scope = { ...scope, iterations: [...scope.iterations, { name: argAsts[0].args, range: over }] };
    const parts = argAsts.slice(1).map((a) => this.cost(a, inner));
    const elem = over.type.kind === 'list' ? (over.type.elem ?? celTypes.dyn) : over.type.kind === 'map' ? (over.type.key ?? celTypes.dyn) : celTypes.dyn;
    const accu = range(1);
    let init = range(0);
    let perItem: Range;
    let result = accu;
    let type: CelType = celTypes.bool;
    switch (name) {
      case 'all':
        // loop condition @not_strictly_false(@result); step @result && p.
        perItem = plus(range(2), { min: accu.min, max: add(accu.max, parts[0].cost.max) });
        break;
      case 'exists':
        // loop condition @not_strictly_false(!@result); step @result || p.
        perItem = plus(range(3), { min: accu.min, max: add(accu.max, parts[0].cost.max) });
        break;
      case 'exists_one':
        // step p ? @result + 1 : @result; result @result == 1.
        perItem = plus(parts[0].cost, union(range(2), accu));
        result = range(2);
        break;
      case 'map': {
        // init []; step @result + [f], or filter ? @result + [f] : @result.
        init = range(listCreate);
        const transform = parts[parts.length - 1];
        const push = sum([range(1), accu, range(listCreate), transform.cost]);
        perItem = parts.length === 2 ? plus(parts[0].cost, union(push, accu)) : push;
        type = listOf(transform.type);
        break;
      }
      default:
        // filter: init []; step p ? @result + [x] : @result.
        init = range(listCreate);
        perItem = plus(parts[0].cost, union(sum([range(1), accu, range(listCreate), range(1)]), accu));
        type = listOf(elem);
    }
    const count = this.size(over);
    return { cost: sum([over.cost, init, result, times(count, perItem)]), type, size: count };
  }

  /** A function's own cost (its arguments' and target's are added by the caller), result type and result size. */
  private functionCost(name: string, target: Estimate | undefined, args: Estimate[]): { cost: Range; type: CelType; size?: Range } {
    const one = range(1);
    const t = target && this.librarySize(target);
    const arg = (i: number) => this.librarySize(args[i]);
    const parse = () => factor(arg(0), stringTraversal);
    switch (name) {
      // Kubernetes' libraries (apiserver/pkg/cel/library/cost.go)
      case 'isSorted':
      case 'sum':
      case 'max':
      case 'min':
      case 'indexOf':
      case 'lastIndexOf': {
        if (!target) break;
        const type = name === 'isSorted' ? celTypes.bool : name === 'indexOf' || name === 'lastIndexOf' ? celTypes.int : (target.type.elem ?? celTypes.dyn);
        if (target.type.kind !== 'list' || !target.type.elem) return { cost: factor(t!, stringTraversal), type };
        const elemNode: Node = { type: target.type.elem, path: target.path && [...target.path, '@items'] };
        let perElem = one;
        if (elemNode.type.kind === 'string' || elemNode.type.kind === 'bytes') perElem = plus(perElem, factor(this.librarySize(elemNode), stringTraversal));
        return { cost: times(t!, perElem), type };
      }
      case 'url':
      case 'jsonpatch.escapeKey':
        if (args.length === 1) return { cost: factor(arg(0), stringTraversal), type: name === 'url' ? library('URL') : celTypes.string, size: arg(0) };
        break;
      case 'lowerAscii':
      case 'upperAscii':
      case 'substring':
      case 'trim':
        if (target) return { cost: factor(t!, stringTraversal), type: celTypes.string, size: t };
        break;
      case 'replace':
        if (target && args.length >= 2) return { cost: factor(t!, 2 * stringTraversal), type: celTypes.string, size: replacedSize(t!, arg(0), arg(1)) };
        break;
      case 'split':
        if (target) {
          const limit = args[1] && literalInt(args[1]);
          return { cost: factor(t!, 2 * stringTraversal), type: listOf(celTypes.string), size: range(0, limit ?? t!.max) };
        }
        break;
      case 'join':
        if (target) {
          const items = t!;
          let size = range(0);
          if (target.type.kind === 'list' && target.type.elem) size = times(items, this.librarySize({ type: target.type.elem, path: target.path && [...target.path, '@items'] }));
          if (args.length > 0) size = plus(size, times(arg(0), range(items.min > 0 ? items.min - 1 : 0, items.max > 0 ? items.max - 1 : 0)));
          return { cost: factor(size, stringTraversal), type: celTypes.string, size };
        }
        break;
      case 'find':
      case 'findAll':
        if (target && args.length >= 1) {
          const text = factor(plus(t!, range(1)), stringTraversal);
          const regex = factor(arg(0), regexLength);
          return { cost: times(text, regex), type: name === 'find' ? celTypes.string : listOf(celTypes.string), size: range(0, t!.max) };
        }
        break;
      case 'cidr':
      case 'isIP':
      case 'isCIDR':
        if (args.length >= 1) return { cost: parse(), type: name === 'cidr' ? library('net.CIDR') : celTypes.bool };
        break;
      case 'ip':
        if (args.length >= 1) return { cost: parse(), type: library('net.IP') };
        return { cost: one, type: library('net.IP') };
      case 'ip.isCanonical':
        if (args.length >= 1) return { cost: factor(arg(0), 2 * stringTraversal), type: celTypes.bool };
        break;
      case 'masked':
        return { cost: one, type: library('net.CIDR') };
      case 'prefixLength':
      case 'family':
        return { cost: one, type: celTypes.int };
      case 'isUnspecified':
      case 'isLoopback':
      case 'isLinkLocalMulticast':
      case 'isLinkLocalUnicast':
      case 'isGlobalUnicast':
        return { cost: one, type: celTypes.bool };
      case 'containsIP':
      case 'containsCIDR':
        if (target && args.length >= 1) {
          const bytes = range(4, 16);
          let cost = factor(plus(bytes, bytes), stringTraversal);
          if (name === 'containsCIDR') cost = sum([cost, factor(bytes, stringTraversal), one]);
          if (args[0].type.kind === 'string') cost = plus(cost, factor(arg(0), stringTraversal));
          return { cost, type: celTypes.bool };
        }
        break;
      case 'quantity':
      case 'isQuantity':
        if (args.length >= 1) return { cost: parse(), type: name === 'quantity' ? library('Quantity') : celTypes.bool };
        break;
      case 'validate':
        if (target && args.length >= 1) return { cost: factor(factor(arg(0), stringTraversal), maxNameFormatRegex * regexLength), type: optionalOf(listOf(celTypes.string)) };
        break;
      case 'format.named':
        return { cost: one, type: optionalOf(library('Format')) };
      case 'asInteger':
      case 'compareTo':
        return { cost: one, type: celTypes.int };
      case 'isInteger':
      case 'isGreaterThan':
      case 'isLessThan':
        return { cost: one, type: celTypes.bool };
      case 'asApproximateFloat':
        return { cost: one, type: celTypes.double };
      case 'add':
      case 'sub':
        return { cost: one, type: library('Quantity') };
      case 'getScheme':
      case 'getHostname':
      case 'getHost':
      case 'getPort':
      case 'getEscapedPath':
        return { cost: one, type: celTypes.string };
      case 'getQuery':
        return { cost: one, type: mapOf(celTypes.string, listOf(celTypes.string)) };
      // cel-go's own (checker/cost.go) and its extensions
      case 'format':
        if (target) return { cost: factor(this.size(target), stringTraversal), type: celTypes.string };
        break;
      case 'strings.quote':
        if (args.length === 1) {
          const size = this.size(args[0]);
          return { cost: factor(size, stringTraversal), type: celTypes.string, size: range(size.min + 2, add(mul(size.max, 2), 2)) };
        }
        break;
      case 'startsWith':
      case 'endsWith':
        if (target && args.length === 1) return { cost: factor(this.size(args[0]), stringTraversal), type: celTypes.bool };
        break;
      case 'matches':
        if (target && args.length === 1) {
          const text = factor(plus(this.size(target), range(1)), stringTraversal);
          return { cost: times(text, factor(this.size(args[0]), regexLength)), type: celTypes.bool };
        }
        break;
      case 'contains':
        if (target && args.length === 1) return { cost: times(factor(this.size(target), stringTraversal), factor(this.size(args[0]), stringTraversal)), type: celTypes.bool };
        break;
      case 'bytes':
        if (!target && args.length === 1 && args[0].type.kind === 'string') {
          const size = this.size(args[0]);
          return { cost: factor(size, stringTraversal), type: celTypes.bytes, size: range(size.min, mul(size.max, 4)) };
        }
        break;
      case 'string':
        if (!target && args.length === 1 && args[0].type.kind === 'bytes') {
          const size = this.size(args[0]);
          return { cost: factor(size, stringTraversal), type: celTypes.string, size: range(Math.floor(size.min / 4), size.max) };
        }
        break;
      case 'sets.contains':
      case 'sets.intersects':
      case 'sets.equivalent':
        if (args.length === 2) return { cost: plus(factor(times(this.size(args[0]), this.size(args[1])), name === 'sets.equivalent' ? 2 : 1), one), type: celTypes.bool };
        break;
    }
    return { cost: one, type: resultType(name, target, args) };
  }
}

/** How long `replace` can make a string (the library's bounds on the number of replacements). */
function replacedSize(text: Range, from: Range, to: Range): Range {
  const count = range(0);
  const kept = range(0);
  if (from.min === 0) {
    count.max = text.max < maxCost ? text.max + 1 : text.max;
    kept.max = text.max;
  } else if (to.max <= from.min) {
    kept.max = text.max;
  } else {
    count.max = Math.ceil(text.max / from.min);
  }
  if (from.max === 0) {
    count.min = text.min < maxCost ? text.min + 1 : text.min;
    kept.min = text.min;
  } else if (from.max <= to.min) {
    kept.min = text.min;
  } else {
    count.min = Math.ceil(text.min / from.max);
  }
  return plus(times(count, to), kept);
}

function literalInt(node: Estimate): number | undefined {
  return typeof node.literal === 'bigint' ? Math.max(0, Number(node.literal)) : undefined;
}

function isStruct(t: CelType): boolean {
  return t.name === 'Quantity' || t.name === 'URL' || t.name === 'Format';
}

function fieldType(t: CelType, name: string): CelType {
  if (t.kind === 'object') return t.fields?.get(name) ?? celTypes.dyn;
  if (t.kind === 'map') return t.elem ?? celTypes.dyn;
  return name.startsWith('format.') ? library('Format') : celTypes.dyn;
}

/** The type of a list or map literal's elements: theirs when they agree, else dyn. */
function joinTypes(types: CelType[]): CelType {
  if (types.length === 0) return celTypes.dyn;
  return types.every((t) => t.kind === types[0].kind && t.name === types[0].name) ? types[0] : celTypes.dyn;
}

/** Identifiers that name types (`int`, `string`) or constants. */
function identType(name: string): CelType {
  return ['bool', 'int', 'uint', 'double', 'string', 'bytes', 'list', 'map', 'null_type', 'type'].includes(name) ? celTypes.type : celTypes.dyn;
}

/** Result types of the O(1) functions, for what the model reads from them downstream. */
function resultType(name: string, target: Estimate | undefined, args: Estimate[]): CelType {
  switch (name) {
    case 'size':
    case 'int':
      return celTypes.int;
    case 'uint':
      return celTypes.uint;
    case 'double':
      return celTypes.double;
    case 'string':
    case 'charAt':
      return celTypes.string;
    case 'bytes':
      return celTypes.bytes;
    case 'bool':
    case 'isURL':
    case 'hasValue':
    case 'matches':
    case 'startsWith':
    case 'endsWith':
    case 'contains':
      return celTypes.bool;
    case 'duration':
      return celTypes.duration;
    case 'timestamp':
      return celTypes.timestamp;
    case 'type':
      return celTypes.type;
    case 'dyn':
      return celTypes.dyn;
    case 'optional.of':
    case 'optional.ofNonZeroValue':
      return optionalOf(args[0]?.type ?? celTypes.dyn);
    case 'optional.none':
      return optionalOf(celTypes.dyn);
    case 'value':
      return target?.type.elem ?? celTypes.dyn;
    case 'orValue':
      return target?.type.elem ?? args[0]?.type ?? celTypes.dyn;
    case 'or':
      return target?.type ?? celTypes.dyn;
    case 'getHours':
    case 'getMinutes':
    case 'getSeconds':
    case 'getMilliseconds':
    case 'getFullYear':
    case 'getMonth':
    case 'getDate':
    case 'getDayOfMonth':
    case 'getDayOfWeek':
    case 'getDayOfYear':
      return celTypes.int;
  }
  return name.startsWith('format.') ? library('Format') : celTypes.dyn;
}
