// matchLabelKeys and mismatchLabelKeys of pod affinity terms and topology spread constraints: a pod
// names label keys whose values, read from its own labels, narrow a selector. kube-apiserver 1.32
// merges them into the affinity terms when a pod is created (MatchLabelKeysInPodAffinity); the
// scheduler merges a spread constraint's keys each time it reads the constraint.

import { field, type FieldError } from '../../errors.js';
import { withLabelKeys } from '../../selectors/labels.js';
import { validateLabelKey } from '../validation.js';

type Json = Record<string, any>;

/** Every pod affinity and anti-affinity term of the spec, required and preferred, with its path. */
function affinityTerms(affinity: Json | undefined, path: string): Array<{ term: Json; path: string }> {
  const out: Array<{ term: Json; path: string }> = [];
  for (const kind of ['podAffinity', 'podAntiAffinity']) {
    const rules = affinity?.[kind];
    if (!rules || typeof rules !== 'object') continue;
    const required = rules.requiredDuringSchedulingIgnoredDuringExecution;
    const preferred = rules.preferredDuringSchedulingIgnoredDuringExecution;
    if (Array.isArray(required)) required.forEach((term, i) => term && typeof term === 'object' && out.push({ term, path: `${path}.${kind}.requiredDuringSchedulingIgnoredDuringExecution[${i}]` }));
    if (Array.isArray(preferred)) {
      preferred.forEach((weighted, i) => {
        const term = weighted?.podAffinityTerm;
        if (term && typeof term === 'object') out.push({ term, path: `${path}.${kind}.preferredDuringSchedulingIgnoredDuringExecution[${i}].podAffinityTerm` });
      });
    }
  }
  return out;
}

const keysOf = (value: unknown): string[] => (Array.isArray(value) ? value.filter((k): k is string => typeof k === 'string') : []);

/** At create: each affinity term's selector gains `key In (value)` per matchLabelKeys and `NotIn` per mismatchLabelKeys. */
export function mergeAffinityLabelKeys(pod: Json): void {
  const labels: Record<string, string> = pod.metadata?.labels ?? {};
  for (const { term } of affinityTerms(pod.spec?.affinity, 'spec.affinity')) {
    // A term without a selector matches nothing, and stays so.
    if (!term.labelSelector || typeof term.labelSelector !== 'object') continue;
    const matched = withLabelKeys(term.labelSelector, keysOf(term.matchLabelKeys), 'In', labels);
    term.labelSelector = withLabelKeys(matched, keysOf(term.mismatchLabelKeys), 'NotIn', labels);
  }
}

function validateKeys(keys: string[], path: string, selector: unknown): FieldError[] {
  if (!keys.length) return [];
  if (!selector) return [field.forbidden(path, 'must not be specified when labelSelector is not set')];
  return keys.flatMap((key, i) => validateLabelKey(key, `${path}[${i}]`));
}

function validateAffinityTerm(term: Json, path: string): FieldError[] {
  const matchKeys = keysOf(term.matchLabelKeys);
  const mismatchKeys = keysOf(term.mismatchLabelKeys);
  const selector: Json | undefined = term.labelSelector && typeof term.labelSelector === 'object' ? term.labelSelector : undefined;
  const out = [...validateKeys(matchKeys, `${path}.matchLabelKeys`, selector), ...validateKeys(mismatchKeys, `${path}.mismatchLabelKeys`, selector)];
  if (selector) {
    // The merged `In` expression of a matchLabelKeys key is expected once; a key the selector had already is a clash.
    const seen = new Set(Object.keys(selector.matchLabels ?? {}));
    for (const expression of Array.isArray(selector.matchExpressions) ? selector.matchExpressions : []) {
      const key = expression?.key;
      const i = matchKeys.indexOf(key);
      // kube-apiserver indexes the term's own path here, not matchLabelKeys'.
      if (i >= 0 && seen.has(key)) out.push(field.invalid(`${path}[${i}]`, key, 'exists in both matchLabelKeys and labelSelector'));
      seen.add(key);
    }
  }
  matchKeys.forEach((key, i) => {
    if (mismatchKeys.includes(key)) out.push(field.invalid(`${path}.matchLabelKeys[${i}]`, key, 'exists in both matchLabelKeys and mismatchLabelKeys'));
  });
  return out;
}

/** The matchLabelKeys and mismatchLabelKeys of a pod spec's affinity terms and spread constraints. */
export function validateLabelKeys(spec: Json, path: string): FieldError[] {
  const out = affinityTerms(spec.affinity, `${path}.affinity`).flatMap(({ term, path: termPath }) => validateAffinityTerm(term, termPath));
  const constraints = Array.isArray(spec.topologySpreadConstraints) ? spec.topologySpreadConstraints : [];
  constraints.forEach((constraint: Json, i: number) => {
    const keys = keysOf(constraint?.matchLabelKeys);
    if (!keys.length) return;
    const keysPath = `${path}.topologySpreadConstraints[${i}].matchLabelKeys`;
    const selector: Json | undefined = constraint.labelSelector && typeof constraint.labelSelector === 'object' ? constraint.labelSelector : undefined;
    if (!selector) out.push(field.forbidden(keysPath, 'must not be specified when labelSelector is not set'));
    const selectorKeys = new Set([...Object.keys(selector?.matchLabels ?? {}), ...(Array.isArray(selector?.matchExpressions) ? selector.matchExpressions : []).map((e: Json) => e?.key)]);
    keys.forEach((key, j) => {
      out.push(...validateLabelKey(key, `${keysPath}[${j}]`));
      if (selectorKeys.has(key)) out.push(field.invalid(`${keysPath}[${j}]`, key, 'exists in both matchLabelKeys and labelSelector'));
    });
  });
  return out;
}
