// What a missing path answers: inside /api and the served groups a metav1.Status 404 (the API's
// own router answers), elsewhere Go's plain-text 404, and under /openapi/v3/ an empty 404.
// Clients rely on the difference: client-go's discovery tells "group not served" from it.

import { errors, PageNotFound, type StatusError } from '../errors.js';
import type { Registry } from '../registry/registry.js';

export function pathNotFound(registry: Registry, path: string): StatusError | PageNotFound {
  const [, prefix, group] = path.split('/');
  if (prefix === 'api') return errors.notFoundPath();
  if (prefix === 'apis' && (!group || registry.groups().some((g) => g.name === group))) return errors.notFoundPath();
  if (path.startsWith('/openapi/v3/')) return new PageNotFound('');
  return new PageNotFound();
}
