// Field selections checked against the schema's CEL types, as cel-go's checker types `self` and
// `oldSelf` for x-kubernetes-validations: selecting a field an object does not declare, or any field
// of a scalar, is a compile error, and so is `==` or `!=` between two different scalar types (1.32's
// environment has no cross-type equality). Whatever cannot be typed here (int-or-string, library
// values, results of calls and operators, unknown variables) is dynamic and never refused.

import { type CelType, celTypes } from './types.js';

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

type Scope = ReadonlyMap<string, CelType | undefined>;

/** A reserved word is declared both as itself and escaped (`__namespace__`). */
const declares = (type: CelType, name: string) => type.fields!.has(name) || type.fields!.has(`__${name}__`);

class FieldChecker {
  readonly problems: TypeProblem[] = [];

  /** The type of a node, checking it and everything below; undefined where it is dynamic. */
  typeOf(node: unknown, scope: Scope): CelType | undefined {
    if (Array.isArray(node)) {
      node.forEach((child) => this.typeOf(child, scope));
      return undefined;
    }
    if (!isAst(node)) return undefined;
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
      case '==':
      case '!=': {
        const [left, right] = node.args as [CelAst, CelAst];
        const types = [this.typeOf(left, scope), this.typeOf(right, scope)].map((type) => type && scalarNames[type.kind]);
        if (types[0] && types[1] && types[0] !== types[1]) {
          const name = node.op === '==' ? '_==_' : '_!=_';
          this.problems.push({ offset: node.input.indexOf(node.op, left.end), message: `found no matching overload for '${name}' applied to '(${types[0]}, ${types[1]})'` });
        }
        return undefined;
      }
      default:
        this.typeOf(node.args, scope);
        return undefined;
    }
  }

  private select(type: CelType | undefined, name: string, offset: number): CelType | undefined {
    if (type?.kind === 'object') {
      if (declares(type, name)) return type.fields!.get(name) ?? type.fields!.get(`__${name}__`);
      this.problems.push({ offset, message: `undefined field '${name}'` });
      return undefined;
    }
    if (type?.kind === 'map') return type.elem;
    const scalar = type && scalarNames[type.kind];
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
