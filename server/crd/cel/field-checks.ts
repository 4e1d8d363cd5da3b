// Field selections, operators and function calls checked against the schema's CEL types, as
// cel-go's checker types `self` and `oldSelf` for x-kubernetes-validations: selecting a field an
// object does not declare, or any field of a scalar, is a compile error, and so is an operator
// between two scalars of kinds no overload takes together (1.32's environment orders across
// numbers, and has no other cross-type operator), or a string or list function called on a
// receiver or with arguments none of its overloads takes (a dynamic field, such as an
// int-or-string, with arguments no overload of the name takes), `==` with null on a scalar, list
// or map, a `?:` whose branches differ, a field selected from a list, and a list or map literal
// mixing a field with another type. Whatever cannot be typed here (library values, results of
// other calls, unknown variables) is dynamic and never refused.

import { type CelType, celTypes, listOf } from './types.js';

interface CelAst {
  op: string;
  args: unknown;
  pos: number;
  end: number;
  input: string;
}

/** A compile error at an offset of the expression. */
export interface TypeProblem {
  offset: number;
  message: string;
}

const isAst = (value: unknown): value is CelAst => typeof value === 'object' && value !== null && 'op' in value;

/** Macros whose first argument names a variable ranging over a list's elements or a map's keys. */
const rangeMacros = new Set(['all', 'exists', 'exists_one', 'map', 'filter']);

/** Scalars as cel-go names them where it refuses a field selection on them. */
const scalarNames: Partial<Record<CelType['kind'], string>> = { bool: 'bool', int: 'int', uint: 'uint', double: 'double', string: 'string', bytes: 'bytes' };

/** The type of a literal scalar; undefined for null, uint and the rest. */
function literalType(value: unknown): CelType | undefined {
  if (typeof value === 'bigint') return celTypes.int;
  if (typeof value === 'number') return celTypes.double;
  if (typeof value === 'string') return celTypes.string;
  if (typeof value === 'boolean') return celTypes.bool;
  return value instanceof Uint8Array ? celTypes.bytes : undefined;
}

const ordering = new Set(['<', '<=', '>', '>=']);
const arithmetic = new Set(['+', '-', '*', '/', '%']);
const binaryOperators = new Set(['==', '!=', 'in', ...ordering, ...arithmetic]);
const numeric = new Set<CelType['kind']>(['int', 'uint', 'double']);

/** What an overload takes in one position: a kind, a list of strings, or the receiver's element kind. */
type Param = CelType['kind'] | 'list(string)' | 'element';

interface Overload {
  /** The receiver of a member call; absent for a global one. */
  receiver?: Param;
  args: Param[];
  result: CelType;
}

const member = (receiver: Param, args: Param[], result: CelType): Overload => ({ receiver, args, result });
const sizeOverloads = (['string', 'bytes', 'list', 'map'] as const).flatMap((kind) => [member(kind, [], celTypes.int), { args: [kind], result: celTypes.int }]);
const stringToString = (...args: Param[][]) => args.map((params) => member('string', params, celTypes.string));

/**
 * Every overload 1.32's environment declares for these names (cel-go's standard functions, its
 * strings extension and Kubernetes' list library); a call none of them takes is refused.
 */
const overloads = new Map<string, Overload[]>([
  ['size', sizeOverloads],
  ['startsWith', [member('string', ['string'], celTypes.bool)]],
  ['endsWith', [member('string', ['string'], celTypes.bool)]],
  ['contains', [member('string', ['string'], celTypes.bool)]],
  ['matches', [member('string', ['string'], celTypes.bool), { args: ['string', 'string'], result: celTypes.bool }]],
  ['lowerAscii', stringToString([])],
  ['upperAscii', stringToString([])],
  ['trim', stringToString([])],
  ['charAt', stringToString(['int'])],
  ['substring', stringToString(['int'], ['int', 'int'])],
  ['replace', stringToString(['string', 'string'], ['string', 'string', 'int'])],
  ['split', [member('string', ['string'], listOf(celTypes.string)), member('string', ['string', 'int'], listOf(celTypes.string))]],
  ['join', [member('list(string)', [], celTypes.string), member('list(string)', ['string'], celTypes.string)]],
  ...(['indexOf', 'lastIndexOf'] as const).map((name): [string, Overload[]] => [
    name,
    [member('string', ['string'], celTypes.int), member('string', ['string', 'int'], celTypes.int), member('list', ['element'], celTypes.int)],
  ]),
]);

/** cel-go's name for a type, where it does not depend on the schema; undefined otherwise. */
function typeName(type: CelType): string | undefined {
  const scalar = scalarNames[type.kind];
  if (scalar) return scalar;
  const elem = type.elem && typeName(type.elem);
  if (type.kind === 'list') return elem && `list(${elem})`;
  const key = type.kind === 'map' && type.key && typeName(type.key);
  return key && elem ? `map(${key}, ${elem})` : undefined;
}

function takes(param: Param, type: CelType, receiver: CelType | undefined): boolean {
  if (param === 'list(string)') return type.kind === 'list' && type.elem?.kind === 'string';
  return param === 'element' ? type.kind === receiver?.elem?.kind : type.kind === param;
}

type Scope = ReadonlyMap<string, CelType | undefined>;

/** A reserved word is declared both as itself and escaped (`__namespace__`). */
const declares = (type: CelType, name: string) => type.fields!.has(name) || type.fields!.has(`__${name}__`);

const isNullLiteral = (node: unknown) => isAst(node) && node.op === 'value' && node.args === null;

/** A field of self or oldSelf, or of a macro's variable: what is dynamic there is a dynamic field. */
function isField(node: unknown): boolean {
  return isAst(node) && (node.op === '.' || node.op === '[]');
}

class FieldChecker {
  readonly problems: TypeProblem[] = [];
  /** Inside a format call's arguments, which cel-go exempts from the homogeneity of literals. */
  private formatArguments = 0;

  /** cel-go's name of a node's type, `null` for the null literal; undefined where it is dynamic. */
  private nameOf(node: unknown, type: CelType | undefined): string | undefined {
    return isNullLiteral(node) ? 'null' : type && typeName(type);
  }

  /** Elements after the first of a literal whose type differs from the first's (HomogeneousAggregateLiterals). */
  private homogeneous(nodes: unknown[], types: Array<CelType | undefined>): void {
    const expected = types[0] && typeName(types[0]);
    if (!expected || this.formatArguments) return;
    nodes.forEach((node, i) => {
      const found = i > 0 && types[i] && typeName(types[i]!);
      if (found && found !== expected) this.problems.push({ offset: (node as CelAst).pos, message: `expected type '${expected}' but found '${found}'` });
    });
  }

  /** The type of a node, checking it and everything below; undefined where it is dynamic. */
  typeOf(node: unknown, scope: Scope): CelType | undefined {
    if (Array.isArray(node)) {
      node.forEach((child) => this.typeOf(child, scope));
      return undefined;
    }
    if (!isAst(node)) return undefined;
    if (binaryOperators.has(node.op)) return this.operator(node, scope);
    switch (node.op) {
      case 'id':
        return scope.get(node.args as string);
      case '.':
      case '.?': {
        const [receiver, name] = node.args as [unknown, string];
        const type = this.typeOf(receiver, scope);
        const dot = node.input.lastIndexOf('.', node.pos);
        const selected = this.select(type, name, dot);
        return node.op === '.' ? selected : undefined;
      }
      case '[]': {
        const [receiver, index] = node.args as [unknown, unknown];
        const type = this.typeOf(receiver, scope);
        this.typeOf(index, scope);
        return type?.kind === 'list' || type?.kind === 'map' ? type.elem : undefined;
      }
      case 'call': {
        const [name, args] = node.args as [string, unknown[]];
        if (overloads.has(name)) return this.call(node, name, undefined, args, scope);
        const [arg] = args;
        if (name === 'has' && args.length === 1 && isAst(arg) && arg.op === '.') {
          const [receiver, field] = arg.args as [unknown, string];
          const type = this.typeOf(receiver, scope);
          if (type?.kind === 'object' && !declares(type, field)) this.problems.push({ offset: node.input.indexOf('(', node.pos), message: `undefined field '${field}'` });
          return undefined;
        }
        this.typeOf(args, scope);
        return undefined;
      }
      case 'rcall': {
        const [name, receiver, args] = node.args as [string, unknown, unknown[]];
        if (overloads.has(name)) return this.call(node, name, receiver, args, scope);
        if (name === 'format') {
          this.typeOf(receiver, scope);
          this.formatArguments++;
          this.typeOf(args, scope);
          this.formatArguments--;
          return celTypes.string;
        }
        const type = this.typeOf(receiver, scope);
        const [variable, ...body] = args;
        if (args.length >= 2 && isAst(variable) && variable.op === 'id') {
          // A macro binds its first argument; only list and map ranges give it a known type.
          const range = rangeMacros.has(name) ? (type?.kind === 'list' ? type.elem : type?.kind === 'map' ? type.key : undefined) : undefined;
          this.typeOf(body, new Map([...scope, [variable.args as string, range]]));
          return undefined;
        }
        this.typeOf(args, scope);
        return undefined;
      }
      case 'value':
        return literalType(node.args);
      case 'list': {
        const types = (node.args as unknown[]).map((item) => this.typeOf(item, scope));
        this.homogeneous(node.args as unknown[], types);
        const first = types[0];
        return first && scalarNames[first.kind] && types.every((type) => type?.kind === first.kind) ? listOf(first) : undefined;
      }
      case 'map': {
        const entries = node.args as Array<[unknown, unknown]>;
        const keys = entries.map(([key]) => this.typeOf(key, scope));
        const values = entries.map(([, value]) => this.typeOf(value, scope));
        this.homogeneous(entries.map(([key]) => key), keys);
        this.homogeneous(entries.map(([, value]) => value), values);
        const [key, value] = [keys[0], values[0]];
        const same = (types: Array<CelType | undefined>, first: CelType | undefined) => !!first && !!scalarNames[first.kind] && types.every((type) => type?.kind === first.kind);
        return same(keys, key) && same(values, value) ? { ...celTypes.dyn, kind: 'map', key, elem: value, minSize: 0 } as CelType : undefined;
      }
      case '?:': {
        const [condition, yes, no] = node.args as [CelAst, unknown, unknown];
        const conditionType = this.typeOf(condition, scope);
        const [a, b] = [this.typeOf(yes, scope), this.typeOf(no, scope)];
        const [yesName, noName] = [this.nameOf(yes, a), this.nameOf(no, b)];
        if (!yesName || !noName || (conditionType && conditionType.kind !== 'bool')) return undefined;
        if (yesName === noName) return a;
        this.problems.push({ offset: node.input.indexOf('?', condition.end), message: `found no matching overload for '_?_:_' applied to '(bool, ${yesName}, ${noName})'` });
        return undefined;
      }
      default:
        this.typeOf(node.args, scope);
        return undefined;
    }
  }

  /**
   * Operators on two typed scalars: no overload takes two different kinds, except ordering across
   * int, uint and double; `in` a list of scalars takes only their kind. The result keeps the kind
   * of same-kind arithmetic; everything else is left dynamic.
   */
  private operator(node: CelAst, scope: Scope): CelType | undefined {
    const [left, right] = node.args as [CelAst, CelAst];
    const [a, b] = [this.typeOf(left, scope), this.typeOf(right, scope)];
    if (node.op === '==' || node.op === '!=') {
      // Equality takes two values of one type: null is not a scalar's, a list's or a map's.
      const [leftName, rightName] = [this.nameOf(left, a), this.nameOf(right, b)];
      if (leftName && rightName && leftName !== rightName) {
        this.problems.push({ offset: node.input.indexOf(node.op, left.end), message: `found no matching overload for '_${node.op}_' applied to '(${leftName}, ${rightName})'` });
      }
      return undefined;
    }
    const leftName = a && scalarNames[a.kind];
    const elem = node.op === 'in' && b?.kind === 'list' ? b.elem : undefined;
    const rightName = node.op === 'in' ? elem && scalarNames[elem.kind] && `list(${scalarNames[elem.kind]})` : b && scalarNames[b.kind];
    if (!leftName || !rightName || !a || !b) return undefined;
    const mismatch = node.op === 'in' ? a.kind !== elem!.kind : a.kind !== b.kind && !(ordering.has(node.op) && numeric.has(a.kind) && numeric.has(b.kind));
    if (mismatch) {
      const name = node.op === 'in' ? '@in' : `_${node.op}_`;
      this.problems.push({ offset: node.input.indexOf(node.op, left.end), message: `found no matching overload for '${name}' applied to '(${leftName}, ${rightName})'` });
      return undefined;
    }
    return arithmetic.has(node.op) && a.kind === b.kind ? a : undefined;
  }

  /**
   * A call of a function in the overload table: its result where an overload takes the receiver
   * and arguments, refused where none does and every type has a name; dynamic otherwise.
   */
  private call(node: CelAst, name: string, receiver: unknown, args: unknown[], scope: Scope): CelType | undefined {
    const receiverType = receiver === undefined ? undefined : this.typeOf(receiver, scope);
    const argTypes = args.map((arg) => this.typeOf(arg, scope));
    if (argTypes.some((type) => !type)) return undefined;
    const types = argTypes as CelType[];
    if (receiver !== undefined && (!receiverType || receiverType.kind === 'dyn')) {
      // A dynamic field: refused when no member overload of the name takes the arguments.
      const names = types.map(typeName);
      if (!isField(receiver) || names.some((n) => !n)) return undefined;
      const takesArgs = (overload: Overload) => overload.receiver !== undefined && overload.args.length === types.length && overload.args.every((param, i) => param === 'element' || takes(param, types[i], undefined));
      if (overloads.get(name)!.some(takesArgs)) return undefined;
      this.problems.push({ offset: node.input.indexOf('(', (receiver as CelAst).end), message: `found no matching overload for '${name}' applied to 'dyn.(${names.join(', ')})'` });
      return undefined;
    }
    const fits = (overload: Overload) =>
      (overload.receiver === undefined ? !receiverType : !!receiverType && takes(overload.receiver, receiverType, undefined)) &&
      overload.args.length === types.length &&
      overload.args.every((param, i) => takes(param, types[i], receiverType));
    const match = overloads.get(name)!.find(fits);
    if (match) return match.result;
    const names = types.map(typeName);
    const receiverName = receiverType && typeName(receiverType);
    if (names.some((n) => !n) || (receiverType && !receiverName)) return undefined;
    const offset = node.input.indexOf('(', receiver === undefined ? node.pos : (receiver as CelAst).end);
    const applied = `${receiverName ? `${receiverName}.` : ''}(${names.join(', ')})`;
    this.problems.push({ offset, message: `found no matching overload for '${name}' applied to '${applied}'` });
    return undefined;
  }

  private select(type: CelType | undefined, name: string, offset: number): CelType | undefined {
    if (type?.kind === 'object') {
      if (declares(type, name)) return type.fields!.get(name) ?? type.fields!.get(`__${name}__`);
      this.problems.push({ offset, message: `undefined field '${name}'` });
      return undefined;
    }
    if (type?.kind === 'map') return type.elem;
    // A list of objects is named by a generated type, so only lists of named types are refused.
    const scalar = type && (scalarNames[type.kind] ?? (type.kind === 'list' ? typeName(type) : undefined));
    if (scalar) this.problems.push({ offset, message: `type '${scalar}' does not support field selection` });
    return undefined;
  }
}

/** The field selections of an expression that its variables' types do not allow, in source order. */
export function fieldProblems(ast: unknown, variables: Scope): TypeProblem[] {
  const checker = new FieldChecker();
  checker.typeOf(ast, variables);
  return checker.problems.sort((a, b) => a.offset - b.offset);
}

/**
 * cel-go's display of compile errors: each with its line and column (in characters), the line, and
 * a caret under it after a dot per character (a wide dot for a non-ASCII one).
 */
export function celErrorDisplay(input: string, problems: TypeProblem[]): string {
  return problems
    .map(({ offset, message }) => {
      const before = input.slice(0, offset).split('\n');
      const line = before.length;
      const leading = [...before[line - 1]];
      const dots = leading.map((c) => (c.codePointAt(0)! > 0x7f ? '\uff0e' : '.')).join('');
      return `ERROR: <input>:${line}:${leading.length + 1}: ${message}\n | ${input.split('\n')[line - 1]}\n | ${dots}^`;
    })
    .join('\n');
}
