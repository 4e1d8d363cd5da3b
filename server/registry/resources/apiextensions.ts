// apiextensions.k8s.io/v1 CustomResourceDefinitions: defaults, validation and the deletion that waits
// for every custom resource to be gone (the crd-finalizer reconciler finishes it).

import { canonicalDefinition, canonicalStatus, defaultCustomResourceDefinition, markCustomResourceDefinitionDeleting, withStoredVersion } from '../../crd/definition.js';
import type { CustomResourceDefinition } from '../../crd/types.js';
import { validateCustomResourceDefinition, validateCustomResourceDefinitionStatus, validateCustomResourceDefinitionUpdate } from '../../crd/validation.js';
import type { KubeObject } from '../../store/types.js';
import { define, keepAllButStatus, statusSubresource } from './common.js';

const asCrd = (object: KubeObject) => object as CustomResourceDefinition;

export const customResourceDefinitions = define({
  group: 'apiextensions.k8s.io',
  version: 'v1',
  kind: 'CustomResourceDefinition',
  plural: 'customresourcedefinitions',
  namespaced: false,
  shortNames: ['crd', 'crds'],
  categories: ['api-extensions'],
  encodingVersion: 'v1beta1',
  subresources: [statusSubresource],
  strategy: {
    genericObjectMeta: true,
    tracksGeneration: true,
    allowUnconditionalUpdate: false,
    decode: (object) => {
      defaultCustomResourceDefinition(asCrd(object));
      canonicalDefinition(asCrd(object));
    },
    prepareForCreate: (object) => {
      object.status = withStoredVersion(asCrd(object), { storedVersions: [] });
      canonicalStatus(asCrd(object));
    },
    prepareForUpdate: (object, old) => {
      object.status = withStoredVersion(asCrd(object), structuredClone(asCrd(old).status ?? {}));
      canonicalStatus(asCrd(object));
    },
    validate: (object) => validateCustomResourceDefinition(asCrd(object)),
    validateUpdate: (object, old) => validateCustomResourceDefinitionUpdate(asCrd(object), asCrd(old)),
    // The spec a /status write keeps was validated when it was written.
    validateStatus: (object) => validateCustomResourceDefinitionStatus(asCrd(object)),
    subresourceUpdates: { status: keepAllButStatus },
    // The first delete only marks the definition: its custom resources go first.
    pendingDeletion: (object) => !object.metadata.deletionTimestamp,
    markDeleting: (object) => markCustomResourceDefinitionDeleting(asCrd(object)),
  },
});
