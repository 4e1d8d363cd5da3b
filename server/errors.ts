// metav1.Status errors, built the way kube-apiserver's apimachinery/pkg/api/errors does.

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: { continue?: string };
  status: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code?: number;
}

/** A resource named the way error messages name it: `pods`, `deployments.apps`. */
export interface GroupResource {
  group: string;
  resource: string;
}

export function qualifiedResource(gr: GroupResource): string {
  return gr.group ? `${gr.resource}.${gr.group}` : gr.resource;
}

export class StatusError extends Error {
  readonly status: Status;
  /** Extra response headers, such as Retry-After. */
  readonly headers: Record<string, string>;

  constructor(code: number, reason: string | undefined, message: string, details?: StatusDetails, headers: Record<string, string> = {}) {
    super(message);
    this.status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message };
    if (reason) this.status.reason = reason;
    if (details) this.status.details = details;
    this.status.code = code;
    this.headers = headers;
  }

  get code(): number {
    return this.status.code ?? 500;
  }
}

function grDetails(gr: GroupResource, name?: string): StatusDetails {
  const details: StatusDetails = {};
  if (name) details.name = name;
  if (gr.group) details.group = gr.group;
  details.kind = gr.resource;
  return details;
}

export const errors = {
  notFound(gr: GroupResource, name: string): StatusError {
    return new StatusError(404, 'NotFound', `${qualifiedResource(gr)} "${name}" not found`, grDetails(gr, name));
  },

  alreadyExists(gr: GroupResource, name: string): StatusError {
    return new StatusError(409, 'AlreadyExists', `${qualifiedResource(gr)} "${name}" already exists`, grDetails(gr, name));
  },

  generateNameConflict(gr: GroupResource, name: string): StatusError {
    const details = { ...grDetails(gr, name), retryAfterSeconds: 1 };
    return new StatusError(
      409,
      'AlreadyExists',
      `${qualifiedResource(gr)} "${name}" already exists, the server was not able to generate a unique name for the object`,
      details,
    );
  },

  conflict(gr: GroupResource, name: string, detail: string): StatusError {
    return new StatusError(409, 'Conflict', `Operation cannot be fulfilled on ${qualifiedResource(gr)} "${name}": ${detail}`, grDetails(gr, name));
  },

  /** A server-side apply that would take fields other managers own. */
  applyConflict(message: string, causes: StatusCause[]): StatusError {
    return new StatusError(409, 'Conflict', message, { causes });
  },

  /** A DELETE precondition that does not hold: the message names Kind.group, the details the kind. */
  preconditionFailed(def: { group: string; kind: string }, name: string, detail: string): StatusError {
    const qualifiedKind = def.group ? `${def.kind}.${def.group}` : def.kind;
    const details: StatusDetails = { name };
    if (def.group) details.group = def.group;
    details.kind = def.kind;
    return new StatusError(409, 'Conflict', `Operation cannot be fulfilled on ${qualifiedKind} "${name}": ${detail}`, details);
  },

  staleResourceVersion(gr: GroupResource, name: string): StatusError {
    return errors.conflict(gr, name, 'the object has been modified; please apply your changes to the latest version and try again');
  },

  /** 422 for an object: `<Kind.group> "<name>" is invalid: …`; details.kind holds the Kind. */
  invalid(groupKind: { group: string; kind: string }, name: string, fieldErrors: FieldError[]): StatusError {
    const qualifiedKind = groupKind.group ? `${groupKind.kind}.${groupKind.group}` : groupKind.kind;
    const details: StatusDetails = {};
    if (name) details.name = name;
    if (groupKind.group) details.group = groupKind.group;
    // An empty kind (a review decoded without one) is left out, as omitempty leaves it.
    if (groupKind.kind) details.kind = groupKind.kind;
    details.causes = fieldErrors.map((e) => ({ reason: e.type, message: e.body(), field: e.field }));
    return new StatusError(422, 'Invalid', `${qualifiedKind} "${name}" is invalid: ${aggregate(fieldErrors)}`, details);
  },

  /** The generic 422 kube-apiserver gives when a JSON patch cannot be applied. */
  invalidRequest(): StatusError {
    return new StatusError(422, 'Invalid', 'the server rejected our request due to an error in our request', {});
  },

  badRequest(message: string): StatusError {
    return new StatusError(400, 'BadRequest', message);
  },

  unauthorized(): StatusError {
    return new StatusError(401, 'Unauthorized', 'Unauthorized');
  },

  forbidden(gr: GroupResource | undefined, name: string, why: string, causes?: StatusCause[]): StatusError {
    let subject = 'forbidden';
    if (gr) subject = name ? `${qualifiedResource(gr)} "${name}" is forbidden` : `${qualifiedResource(gr)} is forbidden`;
    const details = gr ? grDetails(gr, name) : undefined;
    if (details && causes) details.causes = causes;
    return new StatusError(403, 'Forbidden', `${subject}: ${why}`, details);
  },

  methodNotSupported(gr: GroupResource, verb: string): StatusError {
    const details: StatusDetails = {};
    if (gr.group) details.group = gr.group;
    details.kind = gr.resource;
    return new StatusError(405, 'MethodNotAllowed', `${verb} is not supported on resources of kind "${qualifiedResource(gr)}"`, details);
  },

  /** The router's answer to a method no route serves on an existing path. */
  methodNotAllowed(): StatusError {
    return new StatusError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource', {});
  },

  notAcceptable(accepted: string[]): StatusError {
    return new StatusError(406, 'NotAcceptable', `only the following media types are accepted: ${accepted.join(', ')}`);
  },

  notAcceptableText(message: string): StatusError {
    return new StatusError(406, 'NotAcceptable', message);
  },

  /** go-restful's 406, when no Accept clause names a type the route produces. */
  notAcceptableRoute(available: string[]): StatusError {
    return new StatusError(406, 'NotAcceptable', `406: Not Acceptable\n\nAvailable representations: ${available.join(', ')}`, {});
  },

  /** rest.EnsureObjectNamespaceMatchesRequestNamespace's answer to a body naming another namespace. */
  namespaceMismatch(): StatusError {
    return errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
  },

  /** go-restful's 415, when a route does not consume the request's Content-Type. */
  unsupportedMediaTypeRoute(): StatusError {
    return new StatusError(415, 'UnsupportedMediaType', '415: Unsupported Media Type', {});
  },

  unsupportedMediaType(accepted: string[]): StatusError {
    return new StatusError(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
    );
  },

  requestEntityTooLarge(detail: string): StatusError {
    return new StatusError(413, 'RequestEntityTooLarge', `Request entity too large: ${detail}`);
  },

  expired(message: string, continueToken?: string): StatusError {
    const err = new StatusError(410, 'Expired', message);
    if (continueToken) err.status.metadata.continue = continueToken;
    return err;
  },

  notFoundPath(): StatusError {
    return new StatusError(404, 'NotFound', 'the server could not find the requested resource', {});
  },

  timeout(message: string, retryAfterSeconds: number): StatusError {
    return new StatusError(504, 'Timeout', `Timeout: ${message}`, { retryAfterSeconds });
  },

  internal(message: string): StatusError {
    return new StatusError(500, 'InternalError', `Internal error occurred: ${message}`, { causes: [{ message }] });
  },
};

/**
 * Go's http.NotFound: what kube-apiserver answers (as text, not a Status) for a path outside
 * everything it serves, such as a group no server provides. `body` '' is an empty 404.
 */
export class PageNotFound extends Error {
  constructor(readonly body = '404 page not found\n') {
    super('page not found');
  }
}

// ---- field errors (apimachinery/pkg/util/validation/field) ----

export type FieldErrorType =
  | 'FieldValueRequired'
  | 'FieldValueInvalid'
  | 'FieldValueDuplicate'
  | 'FieldValueNotSupported'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'FieldValueNotFound'
  | 'FieldValueTypeInvalid';

/** A value Go prints with %#v in its own syntax (an unsigned zero prints as 0x0). */
export class GoLiteral {
  constructor(readonly text: string) {}
}

/** A field error without a value (field.OmitValueType): the message goes straight to the detail. */
export const omitValue = Symbol('omitValue');

/** Renders a value the way Go's field errors print it: strings quoted, numbers and bools plain. */
export function renderValue(value: unknown): string {
  if (value instanceof GoLiteral) return value.text;
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) {
    return `[]string{${value.map((v) => JSON.stringify(v)).join(', ')}}`;
  }
  if (typeof value === 'object' && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'string')) {
    const entries = Object.entries(value as Record<string, string>).sort(([a], [b]) => (a < b ? -1 : 1));
    return `map[string]string{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(', ')}}`;
  }
  return JSON.stringify(value);
}

export class FieldError {
  constructor(
    readonly type: FieldErrorType,
    readonly field: string,
    readonly detail: string,
    readonly value?: unknown,
  ) {}

  body(): string {
    switch (this.type) {
      case 'FieldValueRequired':
        return this.detail ? `Required value: ${this.detail}` : 'Required value';
      case 'FieldValueForbidden':
        return this.detail ? `Forbidden: ${this.detail}` : 'Forbidden';
      case 'FieldValueTooLong':
        return `Too long: ${this.detail}`;
      case 'FieldValueTooMany':
        return this.value === undefined ? `Too many: ${this.detail}` : `Too many: ${renderValue(this.value)}: ${this.detail}`;
      case 'FieldValueDuplicate':
        return `Duplicate value: ${renderValue(this.value)}`;
      case 'FieldValueNotFound':
        return `Not found: ${renderValue(this.value)}`;
      case 'FieldValueNotSupported':
        return `Unsupported value: ${renderValue(this.value)}${this.detail ? `: ${this.detail}` : ''}`;
      default:
        if (this.value === omitValue) return this.detail ? `Invalid value: ${this.detail}` : 'Invalid value';
        return this.detail ? `Invalid value: ${renderValue(this.value)}: ${this.detail}` : `Invalid value: ${renderValue(this.value)}`;
    }
  }

  toString(): string {
    return `${this.field}: ${this.body()}`;
  }
}

export const field = {
  required: (path: string, detail = '') => new FieldError('FieldValueRequired', path, detail),
  invalid: (path: string, value: unknown, detail: string) => new FieldError('FieldValueInvalid', path, detail, value),
  forbidden: (path: string, detail: string) => new FieldError('FieldValueForbidden', path, detail),
  duplicate: (path: string, value: unknown) => new FieldError('FieldValueDuplicate', path, '', value),
  notFound: (path: string, value: unknown) => new FieldError('FieldValueNotFound', path, '', value),
  notSupported: (path: string, value: unknown, supported: string[]) =>
    new FieldError('FieldValueNotSupported', path, `supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}`, value),
  tooLong: (path: string, max: number) => new FieldError('FieldValueTooLong', path, `may not be more than ${max} bytes`),
  tooMany: (path: string, actual: number, max: number) => new FieldError('FieldValueTooMany', path, `must have at most ${max} items`, actual),
  invalidOmitted: (path: string, detail: string) => new FieldError('FieldValueInvalid', path, detail, omitValue),
};

function aggregate(fieldErrors: FieldError[]): string {
  const seen = new Set<string>();
  const texts: string[] = [];
  for (const e of fieldErrors) {
    const text = e.toString();
    if (!seen.has(text)) {
      seen.add(text);
      texts.push(text);
    }
  }
  return texts.length === 1 ? texts[0] : `[${texts.join(', ')}]`;
}

/** Invalid request options: `ListOptions.meta.k8s.io "" is invalid: …`. */
export function invalidOptions(kind: string, fieldErrors: FieldError[]): StatusError {
  return errors.invalid({ group: 'meta.k8s.io', kind }, '', fieldErrors);
}
