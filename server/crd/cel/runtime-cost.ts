// The actual cost of evaluating a CEL expression, counted as cel-go's cost tracker counts it while
// kube-apiserver validates a custom resource: a unit per variable, field and index access, list and map
// construction, Kubernetes' and cel-go's call costs from the actual argument sizes, and what the
// comprehensions macros expand into. cel-js runs every sub-expression through its evaluator's `run`;
// while a tracker is active, that method reports each node and its value here.

import { Quantity } from '../../quantity.js';

/** The most one evaluation may cost (PerCallLimit), and all of one object's rules together (RuntimeCELCostBudget). */
export const perCallLimit = 1_000_000;
export const runtimeBudget = 10_000_000;

/** What an evaluation fails with once it passes the per-call limit (cel-go's words). */
export class CostLimitExceeded extends Error {
  constructor() {
    super('operation cancelled: actual cost limit exceeded');
  }
}

interface Ast {
  op: string;
  args: any;
}

const stringTraversal = 0.1;
const regexLength = 0.25;
const macros = new Set(['all', 'exists', 'exists_one', 'map', 'filter']);
/** Namespaces of global functions (format.named, optional.of): part of a function's name, not values. */
const namespaces = new Set(['format', 'optional', 'sets', 'strings', 'cel']);
/** The regular expression lengths of the named formats, which validate() is charged for. */
const formatRegexSizes: Record<string, number> = {
  dns1123Label: 30,
  dns1123Subdomain: 60,
  dns1035Label: 30,
  qualifiedName: 60,
  dns1123LabelPrefix: 30,
  dns1123SubdomainPrefix: 60,
  dns1035LabelPrefix: 30,
  labelValue: 40,
  uri: 1103,
  uuid: 70,
  byte: 84,
  date: 71,
  datetime: 71,
};

/** The size CEL's size() would report: runes of strings, bytes, list items, map entries; 1 for the rest. */
function actualSize(value: unknown): number {
  if (typeof value === 'string') {
    let runes = 0;
    for (const _ of value) runes++;
    return runes;
  }
  if (value instanceof Uint8Array) return value.length;
  if (Array.isArray(value)) return value.length;
  if (value instanceof Map || value instanceof Set) return value.size;
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) return Object.keys(value).length;
  return 1;
}

/** What walking a value costs (the lists library's O(n) functions). */
function traversalCost(value: unknown): number {
  if (typeof value === 'string') return Math.floor(Buffer.byteLength(value) * stringTraversal);
  if (value instanceof Uint8Array) return Math.floor(value.length * stringTraversal);
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + traversalCost(v), 0);
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.entries(value).reduce((n, [k, v]) => n + traversalCost(k) + traversalCost(v), 0);
  }
  return 1;
}

const traversal = (value: unknown, f = stringTraversal) => Math.ceil(actualSize(value) * f);
const isConstant = (node: Ast): boolean =>
  node.op === 'value' || (node.op === 'list' && (node.args as Ast[]).every(isConstant)) || (node.op === 'map' && (node.args as Ast[][]).every((e) => e.every(isConstant)));
const isLibraryValue = (v: unknown) => v instanceof Quantity || (v !== null && typeof v === 'object' && ['CelUrl', 'CelIp', 'CelCidr', 'NamedFormat'].includes(v.constructor?.name));

export class CostTracker {
  cost = 0;
  private readonly values = new Map<Ast, unknown>();
  private readonly runs = new Map<Ast, { count: number; trues: number }>();
  /** Per macro call under way: its predicate's (or transform's) run counts when its range was reached. */
  private readonly started = new Map<Ast, { count: number; trues: number }>();

  constructor(
    private readonly limit: number,
    private readonly plan: CostPlan,
  ) {}

  observe(node: Ast, value: unknown): void {
    const role = this.plan.nodes.get(node);
    if (role === undefined) {
      // A node the plan did not meet: kept and costed as its shape says.
      this.values.set(node, value);
      this.cost += this.nodeCost(node, value);
    } else {
      if (role.keep) this.values.set(node, value);
      if (role.step) {
        const runs = this.runs.get(node);
        if (runs) {
          runs.count++;
          if (value === true) runs.trues++;
        }
      }
      if (role.macro) this.started.set(role.macro, { ...this.counter(stepOf(role.macro)) });
      this.cost += role.fixed ?? this.nodeCost(node, value);
    }
    if (this.cost > this.limit) throw new CostLimitExceeded();
  }

  private counter(node: Ast): { count: number; trues: number } {
    let runs = this.runs.get(node);
    if (!runs) this.runs.set(node, (runs = { count: 0, trues: 0 }));
    return runs;
  }

  private nodeCost(node: Ast, value: unknown): number {
    const fixed = fixedCost(node, this.plan.free);
    if (fixed !== undefined) return fixed;
    switch (node.op) {
      case 'call':
        return this.callCost(node.args[0], undefined, node.args[1], value);
      case 'rcall':
        if (isMacroCall(node)) return this.macroCost(node);
        return this.callCost(node.args[0], node.args[1], node.args[2], value);
      default:
        return this.operatorCost(node);
    }
  }

  private operatorCost(node: Ast): number {
    const [l, r] = (node.args as Ast[]).map((a) => this.values.get(a));
    const stringish = (v: unknown) => typeof v === 'string' || v instanceof Uint8Array;
    switch (node.op) {
      case '==':
        if (isLibraryValue(l)) return 1;
        return Math.ceil(Math.min(actualSize(l), actualSize(r)) * stringTraversal);
      case '!=':
        return Math.ceil(Math.min(actualSize(l), actualSize(r)) * stringTraversal);
      case '<':
      case '<=':
      case '>':
      case '>=':
        return stringish(l) && stringish(r) ? Math.ceil(Math.min(actualSize(l), actualSize(r)) * stringTraversal) : 1;
      case '+':
        return stringish(l) && stringish(r) ? Math.ceil((actualSize(l) + actualSize(r)) * stringTraversal) : 1;
      case 'in':
        // A constant list is a set lookup.
        if (isConstant(node.args[1])) return 0;
        return Array.isArray(r) ? actualSize(r) : 1;
      default:
        return 1;
    }
  }

  /** Loop conditions and accumulator steps of a macro's comprehension, by the counts of its steps. */
  private macroCost(node: Ast): number {
    const name = node.args[0] as string;
    const step = this.counter(stepOf(node));
    const start = this.started.get(node) ?? { count: 0, trues: 0 };
    this.started.delete(node);
    const steps = step.count - start.count;
    const trues = step.trues - start.trues;
    const items = actualSize(this.values.get(node.args[1]));
    const stoppedEarly = steps < items ? 1 : 0;
    switch (name) {
      case 'all':
        return (steps + stoppedEarly) * 2 + steps + 1;
      case 'exists':
        return (steps + stoppedEarly) * 3 + steps + 1;
      // A conditional step that keeps the accumulator as it is costs nothing.
      case 'exists_one':
        return trues * 2 + 2;
      case 'map': {
        const transform = node.args[2][node.args[2].length - 1] as Ast;
        const push = 2 + (isConstant(transform) ? 0 : 10);
        if (node.args[2].length === 3) return trues * push + 1;
        return steps * push + 1;
      }
      default:
        // filter: the pushed item's identifier is counted where it is evaluated.
        return trues * 12 + 1;
    }
  }

  private callCost(name: string, targetAst: Ast | undefined, argAsts: Ast[], result: unknown): number {
    if (targetAst?.op === 'id' && namespaces.has(targetAst.args)) return this.callCost(`${targetAst.args}.${name}`, undefined, argAsts, result);
    const args = [...(targetAst ? [targetAst] : []), ...argAsts].map((a) => this.values.get(a));
    if (name === 'has' && !targetAst) {
      // The selects leading to the tested field are charged; the test itself is free.
      let depth = 0;
      for (let n = argAsts[0]; n?.op === '.' || n?.op === '.?'; n = n.args[0]) depth++;
      return Math.max(0, depth - 1);
    }
    switch (name) {
      case 'or':
      case 'orValue':
        // Evaluated as operators of their own, without a call's cost.
        return targetAst ? 0 : 1;
      case 'isSorted':
      case 'sum':
      case 'max':
      case 'min':
      case 'indexOf':
      case 'lastIndexOf':
        return targetAst ? traversalCost(args[0]) : 1;
      case 'url':
      case 'lowerAscii':
      case 'upperAscii':
      case 'substring':
      case 'trim':
      case 'cidr':
      case 'isIP':
      case 'isCIDR':
      case 'quantity':
      case 'isQuantity':
        return traversal(args[0]);
      case 'ip':
        return targetAst ? 1 : traversal(args[0]);
      case 'replace':
      case 'split':
        return traversal(args[0], 2 * stringTraversal);
      case 'join':
        return traversal(result, 2 * stringTraversal);
      case 'find':
      case 'findAll':
        return Math.ceil((1 + actualSize(args[0])) * stringTraversal) * traversal(args[1], regexLength);
      case 'containsIP':
      case 'containsCIDR': {
        let cost = Math.ceil(2 * stringTraversal) + (name === 'containsCIDR' ? Math.ceil(stringTraversal) + 1 : 0);
        if (typeof args[1] === 'string') cost += traversal(args[1]);
        return cost;
      }
      case 'validate': {
        const format = Object.entries(formatRegexSizes).find(([key]) => targetAst?.op === 'rcall' && targetAst.args[0] === key);
        const regex = format?.[1] ?? 128;
        return Math.ceil((1 + actualSize(args[1])) * stringTraversal) * Math.ceil(regex * regexLength);
      }
      case 'startsWith':
      case 'endsWith':
      case 'format':
      case 'strings.quote':
        return traversal(args[0]);
      case 'bytes':
        return !targetAst && typeof args[0] === 'string' ? traversal(args[0]) : 1;
      case 'string':
        return !targetAst && args[0] instanceof Uint8Array ? traversal(args[0]) : 1;
      case 'matches':
        return targetAst ? Math.ceil((1 + actualSize(args[0])) * stringTraversal) * traversal(args[1], regexLength) : 1;
      case 'contains':
        return targetAst && typeof args[0] === 'string' ? traversal(args[0]) * traversal(args[1]) : 1;
      case 'sets.contains':
      case 'sets.intersects':
        return 1 + Math.floor(actualSize(args[0]) * actualSize(args[1]));
      case 'sets.equivalent':
        return 1 + Math.floor(actualSize(args[0]) * actualSize(args[1]) * 2);
      default:
        return 1;
    }
  }
}

/** Variables and the selections and indexes on them: what cel-go evaluates as one attribute. */
function isAttribute(node: Ast): boolean {
  if (node.op === 'id') return !namespaces.has(node.args);
  return (node.op === '.' || node.op === '.?' || node.op === '[]' || node.op === '[?]') && isAttribute(node.args[0]);
}

/** The variable an attribute starts from. */
function attributeRoot(node: Ast): Ast {
  let n = node;
  while (n.op !== 'id') n = n.args[0];
  return n;
}

/** The node a macro evaluates once per step: the predicate, or map's filter (else transform). */
const stepOf = (macro: Ast): Ast => macro.args[2][1];

const isMacroCall = (node: Ast): boolean => node.op === 'rcall' && macros.has(node.args[0]) && node.args[2]?.[0]?.op === 'id';

/** What a node costs whatever its value, from its shape alone; undefined when its value or its arguments' values decide. */
function fixedCost(node: Ast, free: Set<Ast>): number | undefined {
  if (free.has(node)) return 0;
  switch (node.op) {
    case 'value':
    case '&&':
    case '||':
    case '?:':
    case 'accuValue':
    case 'accuInc':
    case 'accuPush':
    case 'comprehension':
      return 0;
    case 'id':
      return namespaces.has(node.args) ? 0 : 1;
    case '.':
    case '.?':
    case '[]':
    case '[?]':
      // Selecting from a computed value makes it an attribute first.
      return isAttribute(node.args[0]) ? 1 : 2;
    case 'list':
      return isConstant(node) ? 0 : 10;
    case 'map':
      return isConstant(node) ? 0 : 30;
    case '!_':
    case '-_':
      return 1;
    case 'call':
    case 'rcall':
    case '==':
    case '!=':
    case '<':
    case '<=':
    case '>':
    case '>=':
    case '+':
    case 'in':
      return undefined;
    default:
      return 1;
  }
}

/** What the tracker does when it meets a node: charge a fixed cost, keep its value for a parent's cost, count a macro's steps, start a macro. */
interface NodeRole {
  fixed?: number;
  keep: boolean;
  step: boolean;
  macro?: Ast;
}

/** What a program's shape tells the tracker, computed once per program. */
export interface CostPlan {
  /** Variables cel-go resolves without charging, where an attribute is a conditional's branch or an index (its selections still count). */
  free: Set<Ast>;
  /** Each node's role. */
  nodes: Map<Ast, NodeRole>;
}

export function costPlan(root: Ast): CostPlan {
  const free = new Set<Ast>();
  const all: Ast[] = [];
  const visit = (node: unknown) => {
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node)) return node.forEach(visit);
    const ast = node as Ast;
    if (typeof ast.op !== 'string') return;
    all.push(ast);
    if (ast.op === '?:') for (const branch of [ast.args[1], ast.args[2]] as Ast[]) if (isAttribute(branch)) free.add(attributeRoot(branch));
    if ((ast.op === '[]' || ast.op === '[?]') && isAttribute(ast.args[1])) free.add(attributeRoot(ast.args[1]));
    if (ast.op !== 'value' && ast.op !== 'id') visit(ast.args);
  };
  visit(root);
  const nodes = new Map<Ast, NodeRole>();
  const role = (node: Ast) => {
    let found = nodes.get(node);
    if (!found) nodes.set(node, (found = { keep: false, step: false }));
    return found;
  };
  const keep = (node: unknown) => {
    if (node && typeof node === 'object' && typeof (node as Ast).op === 'string') role(node as Ast).keep = true;
  };
  for (const node of all) {
    role(node).fixed = fixedCost(node, free);
    if (isMacroCall(node)) {
      role(node.args[1]).macro = node;
      role(stepOf(node)).step = true;
      keep(node.args[1]);
    } else if (node.op === 'call') (node.args[1] as unknown[]).forEach(keep);
    else if (node.op === 'rcall') {
      keep(node.args[1]);
      (node.args[2] as unknown[]).forEach(keep);
    } else if (role(node).fixed === undefined) (node.args as unknown[]).forEach(keep);
  }
  return { free, nodes };
}

interface Evaluator {
  run(node: Ast, ctx: unknown): unknown;
}

let active: CostTracker | undefined;
const traced = new WeakSet<object>();

/** Makes an evaluator report every node it runs to the active tracker. */
function trace(evaluator: Evaluator): void {
  if (traced.has(evaluator)) return;
  traced.add(evaluator);
  const run = evaluator.run;
  evaluator.run = function (node, ctx) {
    const value = run.call(this, node, ctx);
    active?.observe(node, value);
    return value;
  };
}

type Program = ((context: Record<string, unknown>) => unknown) & { ast: Ast & { evaluate(ev: Evaluator, node: Ast, ctx: unknown): unknown } };

/** Programs whose evaluator reports to the tracker already. */
const metEvaluator = new WeakSet<Program>();

/** Evaluates a program, counting its cost on `tracker`. */
export function evaluateCounted(program: Program, context: Record<string, unknown>, tracker: CostTracker): unknown {
  if (!metEvaluator.has(program)) return firstEvaluation(program, context, tracker);
  const previous = active;
  active = tracker;
  try {
    // The root is run by the environment, not through `run`: its value is the program's.
    const value = program(context);
    tracker.observe(program.ast, value);
    return value;
  } finally {
    active = previous;
  }
}

/** The first run of a program meets its evaluator at the root, which the environment runs, and traces it. */
function firstEvaluation(program: Program, context: Record<string, unknown>, tracker: CostTracker): unknown {
  const root = program.ast;
  // The root's own evaluation: cel-js's, or one kubemock gave the node (library.ts).
  const own = Object.getOwnPropertyDescriptor(root, 'evaluate');
  const evaluate = root.evaluate;
  Object.defineProperty(root, 'evaluate', {
    configurable: true,
    writable: true,
    value(ev: Evaluator, node: Ast, ctx: unknown) {
      trace(ev);
      metEvaluator.add(program);
      if (own) Object.defineProperty(root, 'evaluate', own);
      else delete (root as Partial<typeof root>).evaluate;
      const value = evaluate.call(root, ev, node, ctx);
      tracker.observe(root, value);
      return value;
    },
  });
  const previous = active;
  active = tracker;
  try {
    return program(context);
  } finally {
    active = previous;
  }
}
