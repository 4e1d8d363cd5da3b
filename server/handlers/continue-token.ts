// List continuation tokens in kube-apiserver's format: base64url of {"v","rv","start"}.

import { errors } from '../errors.js';
import { decodeJsonText, JsonSyntaxError } from '../json-decode.js';

const tokenVersion = 'meta.k8s.io/v1';

export interface ContinuePoint {
  /** The snapshot the list reads from; -1 means "the latest state" (an inconsistent continuation). */
  resourceVersion: number;
  /** The first key this page may return. */
  startKey: string;
}

export function encodeContinue(point: ContinuePoint): string {
  const json = JSON.stringify({ v: tokenVersion, rv: point.resourceVersion, start: point.startKey });
  return Buffer.from(json).toString('base64url');
}

function invalid(why: string): never {
  throw errors.badRequest(`invalid continue token: continue key is not valid: ${why}`);
}

export function decodeContinue(token: string): ContinuePoint {
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(token)) {
    const at = token.search(/[^A-Za-z0-9_-]/);
    invalid(`illegal base64 data at input byte ${at}`);
  }
  let parsed: { v?: unknown; rv?: unknown; start?: unknown };
  try {
    parsed = decodeJsonText(Buffer.from(token, 'base64url').toString('utf8'), false).value as typeof parsed;
  } catch (err) {
    if (!(err instanceof JsonSyntaxError)) throw err;
    invalid(err.message);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) invalid('the token does not hold an object');
  if (parsed.v !== tokenVersion) invalid(`server does not recognize this encoded version ${String(parsed.v)}`);
  const rv = parsed.rv;
  if (typeof rv !== 'number' || !Number.isSafeInteger(rv) || (rv <= 0 && rv !== -1)) invalid(`incorrect encoded start resourceVersion (version ${tokenVersion})`);
  if (typeof parsed.start !== 'string' || parsed.start === '') invalid(`encoded start key empty (version ${tokenVersion})`);
  return { resourceVersion: parsed.rv as number, startKey: parsed.start as string };
}
