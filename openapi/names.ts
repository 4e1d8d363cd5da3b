// Schema names as kube-apiserver spells them: the Go package of a type, its version, then the type
// (io.k8s.api.core.v1.Pod). client-node's class names (V1Pod, CoreV1Event) drop the package, so it
// is put back here from the API group a class belongs to.

import { fieldClasses, type ModelField } from './models.js';

/** The Go package holding each built-in API group's types, without the version. */
const groupPackages: Record<string, string> = {
  '': 'io.k8s.api.core',
  'admissionregistration.k8s.io': 'io.k8s.api.admissionregistration',
  'apiextensions.k8s.io': 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions',
  'apiregistration.k8s.io': 'io.k8s.kube-aggregator.pkg.apis.apiregistration',
  apps: 'io.k8s.api.apps',
  'authentication.k8s.io': 'io.k8s.api.authentication',
  'authorization.k8s.io': 'io.k8s.api.authorization',
  autoscaling: 'io.k8s.api.autoscaling',
  batch: 'io.k8s.api.batch',
  'certificates.k8s.io': 'io.k8s.api.certificates',
  'coordination.k8s.io': 'io.k8s.api.coordination',
  'discovery.k8s.io': 'io.k8s.api.discovery',
  'events.k8s.io': 'io.k8s.api.events',
  'flowcontrol.apiserver.k8s.io': 'io.k8s.api.flowcontrol',
  'internal.apiserver.k8s.io': 'io.k8s.api.apiserverinternal',
  'networking.k8s.io': 'io.k8s.api.networking',
  'node.k8s.io': 'io.k8s.api.node',
  policy: 'io.k8s.api.policy',
  'rbac.authorization.k8s.io': 'io.k8s.api.rbac',
  'resource.k8s.io': 'io.k8s.api.resource',
  'scheduling.k8s.io': 'io.k8s.api.scheduling',
  'storage.k8s.io': 'io.k8s.api.storage',
  'storagemigration.k8s.io': 'io.k8s.api.storagemigration',
};

/** Stands for apimachinery's meta/v1 package, which belongs to no API group. */
const meta = 'meta';
export const metaPackage = 'io.k8s.apimachinery.pkg.apis.meta';

/** Types whose package their first user would get wrong: meta/v1 types used by every group, core types only other groups reach. */
const fixedHomes: Record<string, string> = {
  ObjectMeta: meta,
  ListMeta: meta,
  LabelSelector: meta,
  LabelSelectorRequirement: meta,
  FieldSelectorRequirement: meta,
  ManagedFieldsEntry: meta,
  OwnerReference: meta,
  Condition: meta,
  Status: meta,
  StatusDetails: meta,
  StatusCause: meta,
  DeleteOptions: meta,
  Preconditions: meta,
  WatchEvent: meta,
  APIGroup: meta,
  APIGroupList: meta,
  APIResource: meta,
  APIResourceList: meta,
  APIVersions: meta,
  GroupVersionForDiscovery: meta,
  ServerAddressByClientCIDR: meta,
  TopologySelectorTerm: '',
  TopologySelectorLabelRequirement: '',
};

/** client-node prefixes a class with its group when two groups share a type name (CoreV1Event, EventsV1Event). */
function classPrefix(group: string): string {
  if (!group) return 'Core';
  const first = group.split('.')[0];
  return first[0].toUpperCase() + first.slice(1);
}

const groupsByPrefix = new Map(Object.keys(groupPackages).map((group) => [classPrefix(group), group]));

interface ClassNameParts {
  /** The group named by a disambiguating prefix, if any. */
  prefixGroup?: string;
  version: string;
  type: string;
}

const classNamePattern = /^([A-Z][a-z]+)?(V\d+(?:alpha\d+|beta\d+)?)([A-Z].*)$/;

function splitClassName(className: string): ClassNameParts | undefined {
  const match = classNamePattern.exec(className);
  if (!match) return undefined;
  const [, prefix, version, type] = match;
  const prefixGroup = prefix === undefined ? undefined : groupsByPrefix.get(prefix);
  if (prefix !== undefined && prefixGroup === undefined) return undefined;
  return { prefixGroup, version: version.toLowerCase(), type };
}

export function isBuiltinGroup(group: string): boolean {
  return group in groupPackages;
}

/** The client-node classes that may model a built-in kind, most specific first. */
export function modelClassCandidates(group: string, version: string, kind: string): string[] {
  const versionPart = version[0].toUpperCase() + version.slice(1);
  return [`${classPrefix(group)}${versionPart}${kind}`, `${versionPart}${kind}`];
}

/** The schema name of a kind client-node does not model: a custom resource's is its group reversed, as kube-apiserver names CRD schemas. */
export function unmodelledSchemaName(group: string, version: string, kind: string): string {
  const prefix = isBuiltinGroup(group) ? groupPackages[group] : group.split('.').reverse().join('.');
  return `${prefix}.${version}.${kind}`;
}

function packageOf(home: string): string {
  return home === meta ? metaPackage : groupPackages[home];
}

/**
 * Schema names for every class in the graph. A class without a prefix or fixed home belongs to the
 * group of the first kind that reaches it, core kinds first, so PodSpec stays core when apps reaches it.
 */
export function schemaNames(graph: Map<string, ModelField[]>, roots: Array<{ className: string; group: string }>): Map<string, string> {
  const names = new Map<string, string>();
  const coreFirst = [...roots].sort((a, b) => Number(a.group !== '') - Number(b.group !== ''));
  for (const root of coreFirst) {
    const pending = [root.className];
    while (pending.length) {
      const className = pending.pop()!;
      const fields = graph.get(className);
      const parts = splitClassName(className);
      if (names.has(className) || !fields || !parts) continue;
      const home = fixedHomes[parts.type] ?? parts.prefixGroup ?? root.group;
      names.set(className, `${packageOf(home)}.${parts.version}.${parts.type}`);
      pending.push(...fieldClasses(fields));
    }
  }
  return names;
}
