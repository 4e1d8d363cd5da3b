// The admission chain: every mutating plugin in order, then (after the strategy's validation)
// every validating plugin in order, each only for the requests it declares it handles.

import type { AdmissionContext, AdmissionPlugin, AdmissionRequest } from './types.js';

function handles(plugin: AdmissionPlugin, request: AdmissionRequest): boolean {
  if (!plugin.operations.includes(request.operation)) return false;
  if (plugin.resources !== '*' && !plugin.resources.includes(request.resource)) return false;
  const subresources = plugin.subresources ?? [''];
  return subresources === '*' || subresources.includes(request.subresource);
}

export interface Position {
  /** Insert before the plugin of this name (ResourceQuota and webhooks come last in kube-apiserver). */
  before?: string;
  after?: string;
}

export class AdmissionChain {
  private plugins: AdmissionPlugin[];

  constructor(plugins: AdmissionPlugin[]) {
    this.plugins = [...plugins];
  }

  /** The plugins' names in the order they run. */
  get names(): string[] {
    return this.plugins.map((p) => p.name);
  }

  /** Adds a plugin at the end, or before/after a named one; a plugin of the same name is replaced. */
  add(plugin: AdmissionPlugin, position: Position = {}): void {
    this.plugins = this.plugins.filter((p) => p.name !== plugin.name);
    const anchor = position.before ?? position.after;
    const at = anchor === undefined ? -1 : this.plugins.findIndex((p) => p.name === anchor);
    if (anchor !== undefined && at < 0) throw new Error(`no admission plugin named ${anchor}`);
    if (at < 0) this.plugins.push(plugin);
    else this.plugins.splice(position.before !== undefined ? at : at + 1, 0, plugin);
  }

  remove(name: string): void {
    this.plugins = this.plugins.filter((p) => p.name !== name);
  }

  /** The mutating phase. */
  admit(request: AdmissionRequest, context: AdmissionContext): void {
    for (const plugin of this.plugins) if (plugin.admit && handles(plugin, request)) plugin.admit(request, context);
  }

  /** The validating phase. */
  validate(request: AdmissionRequest, context: AdmissionContext): void {
    for (const plugin of this.plugins) if (plugin.validate && handles(plugin, request)) plugin.validate(request, context);
  }
}
