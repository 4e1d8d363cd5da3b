// Fills the rules of every ClusterRole with an aggregationRule from the ClusterRoles its selectors
// pick, as kube-controller-manager's clusterrole-aggregation controller does: selected roles in name
// order, each rule once, written by server-side apply as the controller's own field manager.

import { timestamp } from '../clock.js';
import { jsonEqual } from '../json.js';
import { serverSideApply } from '../patch/apply.js';
import type { ResourceDefinition } from '../registry/types.js';
import { labelSelectorFromObject } from '../selectors/labels.js';
import type { Services } from '../services.js';
import type { KubeObject } from '../store/types.js';
import type { Reconcile } from './controller.js';

type Json = Record<string, any>;

const manager = 'clusterrole-aggregation-controller';

/** The rules `role` aggregates from the others, in the controller's order. */
export function aggregatedRules(role: KubeObject, all: readonly KubeObject[]): Json[] {
  const rules: Json[] = [];
  const byName = [...all].sort((a, b) => ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1));
  for (const selector of ((role.aggregationRule as Json).clusterRoleSelectors ?? []) as Json[]) {
    const matches = labelSelectorFromObject(selector ?? {});
    for (const other of byName) {
      if (other.metadata.name === role.metadata.name || !matches(other.metadata.labels ?? {})) continue;
      for (const rule of (other.rules as Json[] | null) ?? []) if (!rules.some((r) => jsonEqual(r, rule))) rules.push(rule);
    }
  }
  return rules;
}

export function clusterRoleAggregation(services: Pick<Services, 'objects' | 'clock'>, clusterRoles: ResourceDefinition): Reconcile {
  return (name) => {
    const existing = services.objects.find(clusterRoles, '', name);
    if (!existing?.object.aggregationRule) return;
    const all = services.objects.listNow(clusterRoles, '').map((s) => s.object);
    const rules = aggregatedRules(existing.object, all);
    // Like apimachinery's semantic equality, no rules and an empty list are the same.
    if (jsonEqual(rules, existing.object.rules ?? [])) return;
    // An apply configuration without rules gives up the field, which leaves `rules: null`.
    const applied: KubeObject = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name }, ...(rules.length ? { rules } : {}) };
    const { object, managedFields } = serverSideApply(JSON.parse(existing.json), applied, {
      manager,
      force: true,
      apiVersion: 'rbac.authorization.k8s.io/v1',
      time: timestamp(services.clock.now()),
      statusIsSubresource: false,
    });
    services.objects.replace(clusterRoles, existing, object, { fieldManager: manager, managedFields });
  };
}
