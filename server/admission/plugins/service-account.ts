// ServiceAccount admission (plugin/pkg/admission/serviceaccount): a created pod runs as a service
// account that exists (`default` unless named), gets its API token mounted unless automounting is
// off, and inherits the account's imagePullSecrets.

import { isTrue } from '../../middleware/request-info.js';
import { randomSuffix } from '../../registry/names.js';
import type { KubeObject } from '../../store/types.js';
import { admissionForbidden, type AdmissionContext, type AdmissionPlugin, type AdmissionRequest } from '../types.js';

type Json = Record<string, any>;

const tokenMountPath = '/var/run/secrets/kubernetes.io/serviceaccount';
const tokenVolumePrefix = 'kube-api-access-';
const mirrorPodAnnotation = 'kubernetes.io/config.mirror';
const enforceMountableSecretsAnnotation = 'kubernetes.io/enforce-mountable-secrets';

function tokenVolume(name: string): Json {
  return {
    name,
    projected: {
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
      defaultMode: 420,
    },
  };
}

function lookupAccount(request: AdmissionRequest, cluster: AdmissionContext, name: string): Json {
  const account = cluster.lookup('serviceaccounts', request.namespace, name);
  if (!account) throw admissionForbidden(request, `error looking up service account ${request.namespace}/${name}: serviceaccount "${name}" not found`);
  return account;
}

/** Adds the token volume (reusing one already named kube-api-access-*) to every container that lacks the mount. */
function mountToken(spec: Json): void {
  const volumes: Json[] = Array.isArray(spec.volumes) ? spec.volumes : [];
  const existing = volumes.find((v) => typeof v?.name === 'string' && v.name.startsWith(tokenVolumePrefix));
  const volumeName: string = existing?.name ?? `${tokenVolumePrefix}${randomSuffix()}`;
  let needsVolume = false;
  for (const list of [spec.initContainers, spec.containers]) {
    for (const container of Array.isArray(list) ? (list as Json[]) : []) {
      const mounts: Json[] = Array.isArray(container.volumeMounts) ? container.volumeMounts : [];
      if (mounts.some((m) => m?.mountPath === tokenMountPath)) continue;
      container.volumeMounts = [...mounts, { name: volumeName, readOnly: true, mountPath: tokenMountPath }];
      needsVolume = true;
    }
  }
  if (!existing && needsVolume) spec.volumes = [...volumes, tokenVolume(volumeName)];
}

function containersOf(spec: Json): Json[] {
  return [spec.initContainers, spec.containers, spec.ephemeralContainers].flatMap((list) => (Array.isArray(list) ? (list as Json[]) : []));
}

/** Secret names the pod refers to directly: pull secrets, env, envFrom, secret and projected volumes. */
function secretReferences(spec: Json): string[] {
  const names: string[] = (spec.imagePullSecrets ?? []).map((s: Json) => s?.name);
  for (const container of containersOf(spec)) {
    for (const from of container.envFrom ?? []) names.push(from?.secretRef?.name);
    for (const env of container.env ?? []) names.push(env?.valueFrom?.secretKeyRef?.name);
  }
  for (const volume of spec.volumes ?? []) {
    names.push(volume?.secret?.secretName);
    for (const source of volume?.projected?.sources ?? []) names.push(source?.secret?.name);
  }
  return names.filter((name): name is string => typeof name === 'string' && name !== '');
}

/** With the enforce-mountable-secrets annotation, a pod may use only the secrets its account lists. */
function limitSecretReferences(request: AdmissionRequest, account: Json, spec: Json): void {
  const mountable = new Set<string>((account.secrets ?? []).map((s: Json) => s?.name));
  for (const volume of spec.volumes ?? []) {
    const secret = volume?.secret?.secretName;
    if (secret && !mountable.has(secret)) {
      throw admissionForbidden(request, `volume with secret.secretName="${secret}" is not allowed because service account ${account.metadata.name} does not reference that secret`);
    }
  }
  for (const [list, label] of [[spec.initContainers, 'init container'], [spec.containers, 'container']] as const) {
    for (const container of Array.isArray(list) ? (list as Json[]) : []) {
      for (const env of container.env ?? []) {
        const secret = env?.valueFrom?.secretKeyRef?.name;
        if (secret !== undefined && !mountable.has(secret)) {
          throw admissionForbidden(request, `${label} ${container.name} with envVar ${env.name} referencing secret.secretName="${secret}" is not allowed because service account ${account.metadata.name} does not reference that secret`);
        }
      }
      for (const from of container.envFrom ?? []) {
        const secret = from?.secretRef?.name;
        if (secret !== undefined && !mountable.has(secret)) {
          throw admissionForbidden(request, `${label} ${container.name} with envFrom referencing secret.secretName="${secret}" is not allowed because service account ${account.metadata.name} does not reference that secret`);
        }
      }
    }
  }
  const pullSecrets = new Set<string>((account.imagePullSecrets ?? []).map((s: Json) => s?.name));
  (spec.imagePullSecrets ?? []).forEach((ref: Json, i: number) => {
    if (!pullSecrets.has(ref?.name)) {
      throw admissionForbidden(request, `imagePullSecrets[${i}].name="${ref?.name}" is not allowed because service account ${account.metadata.name} does not reference that imagePullSecret`);
    }
  });
}

function isMirrorPod(pod: KubeObject): boolean {
  return Object.hasOwn(pod.metadata.annotations ?? {}, mirrorPodAnnotation);
}

function podSpec(request: AdmissionRequest): Json | undefined {
  const spec = request.object?.spec;
  return spec && typeof spec === 'object' && !Array.isArray(spec) ? (spec as Json) : undefined;
}

export const serviceAccount: AdmissionPlugin = {
  name: 'ServiceAccount',
  operations: ['CREATE'],
  resources: ['pods'],
  admit(request, cluster) {
    const spec = podSpec(request);
    if (!spec || isMirrorPod(request.object!)) return;
    spec.serviceAccountName ||= 'default';
    spec.serviceAccount = spec.serviceAccountName;
    const account = lookupAccount(request, cluster, spec.serviceAccountName);
    if ((spec.automountServiceAccountToken ?? account.automountServiceAccountToken ?? true) === true) mountToken(spec);
    if (!(spec.imagePullSecrets?.length > 0) && account.imagePullSecrets?.length > 0) {
      spec.imagePullSecrets = account.imagePullSecrets.map((s: Json) => ({ name: s?.name }));
    }
  },
  validate(request, cluster) {
    const spec = podSpec(request);
    if (!spec) return;
    if (isMirrorPod(request.object!)) {
      if (spec.serviceAccountName) throw admissionForbidden(request, 'a mirror pod may not reference service accounts');
      if (secretReferences(spec).length > 0) throw admissionForbidden(request, 'a mirror pod may not reference secrets');
      const projectsToken = (spec.volumes ?? []).some((v: Json) => (v?.projected?.sources ?? []).some((s: Json) => s?.serviceAccountToken));
      if (projectsToken) throw admissionForbidden(request, 'a mirror pod may not use ServiceAccountToken volume projections');
      return;
    }
    if (!spec.serviceAccountName) {
      throw admissionForbidden(request, `no service account specified for pod ${request.namespace}/${request.object!.metadata.name ?? ''}`);
    }
    const account = lookupAccount(request, cluster, spec.serviceAccountName);
    if (isTrue(account.metadata?.annotations?.[enforceMountableSecretsAnnotation])) limitSecretReferences(request, account, spec);
  },
};
