// Node labels Kubernetes has deprecated, and the warnings selectors that use them get
// (pkg/api/node: GetNodeLabelDeprecatedMessage, GetWarningsForNodeSelector).

const deprecatedNodeLabels: Record<string, string> = {
  'beta.kubernetes.io/arch': 'deprecated since v1.14; use "kubernetes.io/arch" instead',
  'beta.kubernetes.io/os': 'deprecated since v1.14; use "kubernetes.io/os" instead',
  'failure-domain.beta.kubernetes.io/region': 'deprecated since v1.17; use "topology.kubernetes.io/region" instead',
  'failure-domain.beta.kubernetes.io/zone': 'deprecated since v1.17; use "topology.kubernetes.io/zone" instead',
  'beta.kubernetes.io/instance-type': 'deprecated since v1.17; use "node.kubernetes.io/instance-type" instead',
  'app.kubernetes.io/created-by': 'deprecated since v1.9',
  'scheduler.alpha.kubernetes.io/preferAvoidPods': 'deprecated since v1.22; use Taints and Tolerations instead',
  'node-role.kubernetes.io/master': 'use "node-role.kubernetes.io/control-plane" instead',
};

/** Why a node label key is deprecated, if it is. */
export function nodeLabelDeprecation(key: string): string | undefined {
  return Object.hasOwn(deprecatedNodeLabels, key) ? deprecatedNodeLabels[key] : undefined;
}

/** Warnings for a metav1.LabelSelector over node labels: expressions first, then labels (sorted). */
export function nodeSelectorWarnings(selector: unknown, path: string): string[] {
  if (!selector || typeof selector !== 'object') return [];
  const { matchLabels, matchExpressions } = selector as { matchLabels?: Record<string, unknown>; matchExpressions?: Array<{ key?: string }> };
  const out: string[] = [];
  (Array.isArray(matchExpressions) ? matchExpressions : []).forEach((expression, i) => {
    const message = nodeLabelDeprecation(String(expression?.key ?? ''));
    if (message) out.push(`${path}.matchExpressions[${i}].key: ${expression.key} is ${message}`);
  });
  for (const label of Object.keys(matchLabels ?? {}).sort()) {
    const message = nodeLabelDeprecation(label);
    if (message) out.push(`${path}.matchLabels.${label}: ${message}`);
  }
  return out;
}
