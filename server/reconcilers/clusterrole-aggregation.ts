// Fills the rules of every ClusterRole with an aggregationRule from the ClusterRoles its selectors
// pick, as kube-controller-manager's clusterrole-aggregation controller does: selected roles in name
// order, each rule once, written by server-side apply as the controller's own field manager.

import { jsonEqual } from '../json.js';
import { labelSelectorFromObject } from '../selectors/labels.js';
import type { KubeObject } from '../store/types.js';
import type { ControllerClient } from './client.js';
import { controllerManagerIdentity, type ControllerDescriptor, type Reconcile } from './controller.js';

type Json = Record<string, any>;

const clusterRoles = 'rbac.authorization.k8s.io/clusterroles';
const serviceAccount = 'clusterrole-aggregation-controller';

/** The rules `role` aggregates from the others, in the controller's order. */
function aggregatedRules(role: KubeObject, all: readonly KubeObject[]): Json[] {
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

export function aggregateClusterRole(client: ControllerClient): Reconcile {
  return (name) => {
    const existing = client.get(clusterRoles, '', name);
    if (!existing?.object.aggregationRule) return;
    const rules = aggregatedRules(existing.object, client.list(clusterRoles).map((s) => s.object));
    // Like apimachinery's semantic equality, no rules and an empty list are the same.
    if (jsonEqual(rules, existing.object.rules ?? [])) return;
    // An apply configuration without rules gives up the field, which leaves `rules: null`.
    client.apply(existing, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name }, ...(rules.length ? { rules } : {}) });
  };
}

/** The controller writes as its service account, under the field manager it names itself. */
export const clusterRoleAggregationIdentity = { ...controllerManagerIdentity(serviceAccount), fieldManager: serviceAccount };

export const clusterRoleAggregationController: ControllerDescriptor = {
  name: 'clusterrole-aggregation-controller',
  aliases: ['clusterrole-aggregation'],
  create(env) {
    const client = env.client(clusterRoleAggregationIdentity);
    // Any ClusterRole change may change what every aggregating role collects.
    const aggregating = () => client.list(clusterRoles).filter((s) => s.object.aggregationRule).map((s) => s.key);
    return {
      for: clusterRoles,
      watches: [{ resource: clusterRoles, map: aggregating }],
      reconcile: aggregateClusterRole(client),
    };
  },
};
