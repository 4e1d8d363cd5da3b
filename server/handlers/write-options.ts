// Options every write carries: dryRun, fieldManager, fieldValidation (validated as *Options kinds are).

import type { KubeContext } from '../context.js';
import { field, type FieldError, invalidOptions } from '../errors.js';
import { parseDryRun, type WriteOptions } from '../registry/generic-store.js';
import { queryParam, queryParams } from './query.js';
import { addWarning } from '../warnings.js';

const fieldValidationValues = ['', 'Ignore', 'Strict', 'Warn'];
const maxFieldManagerLength = 128;

/** The manager named by the request, else the User-Agent up to its first '/'. */
function fieldManager(ctx: KubeContext, optionsKind: string): string {
  const given = queryParam(ctx, 'fieldManager');
  if (given !== undefined) {
    const problems: FieldError[] = [];
    if (given.length > maxFieldManagerLength) problems.push(field.tooLong('fieldManager', maxFieldManagerLength));
    if (/[^\x20-\x7e]/.test(given)) problems.push(field.invalid('fieldManager', given, 'must only contain printable characters'));
    if (problems.length) throw invalidOptions(optionsKind, problems);
    return given;
  }
  const agent = ctx.get('user-agent').split('/')[0];
  return agent.slice(0, maxFieldManagerLength) || 'unknown';
}

export function readWriteOptions(ctx: KubeContext, optionsKind: 'CreateOptions' | 'UpdateOptions' | 'PatchOptions'): WriteOptions {
  const validation = queryParam(ctx, 'fieldValidation') ?? '';
  if (!fieldValidationValues.includes(validation)) {
    throw invalidOptions(optionsKind, [field.notSupported('fieldValidation', validation, fieldValidationValues)]);
  }
  return {
    dryRun: parseDryRun(queryParams(ctx, 'dryRun'), optionsKind),
    fieldManager: fieldManager(ctx, optionsKind),
    user: ctx.state.user,
    credentials: ctx.state.credentials,
    warn: (text) => addWarning(ctx, text),
  };
}
