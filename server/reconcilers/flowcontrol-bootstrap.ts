// kube-apiserver's flow-control configuration ensurer (pkg/registry/flowcontrol/ensurer and its
// post-start hook): once a minute of the clock it puts back the bootstrap PriorityLevelConfigurations
// and FlowSchemas. The mandatory ones (exempt, catch-all) are recreated and their spec restored; a
// suggested one is recreated when deleted, and its spec restored unless its
// `apf.kubernetes.io/autoupdate-spec` annotation says false (or, without one, it was edited since
// creation). An object outside the bootstrap set annotated for auto-update is deleted.

import { recordedResources, type RecordedResource } from '../bootstrap/objects.js';
import { jsonEqual } from '../json.js';
import { flowcontrolGroup, isMandatoryConfiguration } from '../registry/resources/flowcontrol.js';
import type { KubeObject } from '../store/types.js';
import type { ControllerClient } from './client.js';
import type { ControllerDescriptor } from './controller.js';
import { flowControlIdentity } from './flowschema-status.js';

type Json = Record<string, any>;

const autoUpdateAnnotation = 'apf.kubernetes.io/autoupdate-spec';
const period = 60_000;
const key = 'bootstrap-configuration';

const producerIdentity = { ...flowControlIdentity, fieldManager: 'api-priority-and-fairness-config-producer-v1' };

/** strconv.ParseBool. */
function parseBool(value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false;
  return undefined;
}

/** Whether the stored spec is the bootstrap one: the exempt level's own exempt settings are the administrator's. */
function specMatches(resource: string, bootstrap: KubeObject, current: KubeObject): boolean {
  const spec = current.spec as Json | undefined;
  if (resource === 'prioritylevelconfigurations' && bootstrap.metadata.name === 'exempt') {
    if (!spec?.exempt) return false;
    return jsonEqual({ ...spec, exempt: undefined }, { ...(bootstrap.spec as Json), exempt: undefined });
  }
  return jsonEqual(spec, bootstrap.spec);
}

/** EnsureConfiguration: creates the object if missing, else revises its spec and annotation as the strategy says. */
function ensure(client: ControllerClient, recorded: RecordedResource, bootstrap: KubeObject, mandatory: boolean): void {
  const resource = `${recorded.group}/${recorded.plural}`;
  const name = bootstrap.metadata.name!;
  const current = client.get(resource, '', name);
  if (!current) {
    client.create(resource, '', structuredClone(bootstrap));
    return;
  }
  const meta = current.object.metadata;
  const annotated = parseBool(meta.annotations?.[autoUpdateAnnotation]);
  const autoUpdate = mandatory || (annotated ?? meta.generation === 1);
  const annotationStale = annotated !== autoUpdate;
  const specStale = autoUpdate && !specMatches(recorded.plural, bootstrap, current.object);
  if (!annotationStale && !specStale) return;
  client.update(current, (object) => {
    if (specStale) object.spec = structuredClone(bootstrap.spec);
    if (annotationStale) object.metadata.annotations = { ...object.metadata.annotations, [autoUpdateAnnotation]: String(autoUpdate) };
  });
}

/** RemoveUnwantedObjects: what is not bootstrap configuration but says it is auto-updated goes. */
function removeUnwanted(client: ControllerClient, recorded: RecordedResource): void {
  const resource = `${recorded.group}/${recorded.plural}`;
  const wanted = new Set(recorded.objects.map((o) => o.metadata.name));
  for (const stored of client.list(resource)) {
    if (wanted.has(stored.name) || parseBool(stored.object.metadata.annotations?.[autoUpdateAnnotation]) !== true) continue;
    client.delete(resource, '', stored.name);
  }
}

export const flowControlBootstrapController: ControllerDescriptor = {
  name: 'priority-and-fairness-config-producer',
  create(env) {
    const client = env.client(producerIdentity);
    const configuration = (plural: string) => recordedResources.find((r) => r.group === flowcontrolGroup && r.plural === plural)!;
    // Priority levels before the schemas that name them, suggested before mandatory, as kube-apiserver goes.
    const kinds = [configuration('prioritylevelconfigurations'), configuration('flowschemas')];
    return {
      initialKeys: () => [key],
      reconcile() {
        for (const mandatory of [false, true]) {
          for (const recorded of kinds) {
            for (const bootstrap of recorded.objects) if (isMandatoryConfiguration(bootstrap.metadata.name) === mandatory) ensure(client, recorded, bootstrap, mandatory);
          }
        }
        for (const recorded of kinds) removeUnwanted(client, recorded);
        return { requeueAfterMs: period };
      },
    };
  },
};
