// Which controllers run, chosen as kube-controller-manager's --controllers chooses: `*` is every
// controller, `name` turns one on, `-name` turns one off; the first mention of a name decides.
// `all` and `none` are shorthands (none: nothing moves, as on envtest).

import type { ControllerDescriptor } from './controller.js';

export type ControllerSelection = 'all' | 'none' | string[];

/** Splits the command-line form (`*,-kube-scheduler`). */
export function parseControllerList(value: string): ControllerSelection {
  const trimmed = value.trim();
  if (trimmed === 'all' || trimmed === 'none') return trimmed;
  return trimmed === '' ? [] : trimmed.split(',').map((item) => item.trim());
}

export class ControllerSelectionError extends Error {}

export function selectControllers(catalog: ControllerDescriptor[], selection: ControllerSelection = 'all'): ControllerDescriptor[] {
  if (selection === 'all') return catalog;
  if (selection === 'none') return [];
  const canonical = new Map<string, string>();
  for (const descriptor of catalog) {
    canonical.set(descriptor.name, descriptor.name);
    for (const alias of descriptor.aliases ?? []) canonical.set(alias, descriptor.name);
  }
  const decided = new Map<string, boolean>();
  let star = false;
  for (const item of selection) {
    if (item === '*') {
      star = true;
      continue;
    }
    const off = item.startsWith('-');
    const name = canonical.get(off ? item.slice(1) : item);
    if (!name) {
      throw new ControllerSelectionError(`"${item.replace(/^-/, '')}" is not in the list of known controllers: ${catalog.map((d) => d.name).join(', ')}`);
    }
    if (!decided.has(name)) decided.set(name, !off);
  }
  return catalog.filter((descriptor) => decided.get(descriptor.name) ?? star);
}
