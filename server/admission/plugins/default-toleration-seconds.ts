// DefaultTolerationSeconds (plugin/pkg/admission/defaulttolerationseconds): a pod that does not
// tolerate the not-ready and unreachable NoExecute taints tolerates them for 300 s.

import type { AdmissionPlugin } from '../types.js';

type Json = Record<string, any>;

const tolerationSeconds = 300;
const taints = ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable'];

export const defaultTolerationSeconds: AdmissionPlugin = {
  name: 'DefaultTolerationSeconds',
  operations: ['CREATE', 'UPDATE'],
  resources: ['pods'],
  admit(request) {
    const spec = request.object?.spec as Json | undefined;
    if (!spec || typeof spec !== 'object' || Array.isArray(spec)) return;
    const tolerations: Json[] = Array.isArray(spec.tolerations) ? spec.tolerations : [];
    const tolerated = (key: string) => tolerations.some((t) => (t?.key === key || !t?.key) && (t?.effect === 'NoExecute' || !t?.effect));
    const added = taints.filter((key) => !tolerated(key)).map((key) => ({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds }));
    if (added.length > 0) spec.tolerations = [...tolerations, ...added];
  },
};
