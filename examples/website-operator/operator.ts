// The Website operator: one informer on Websites, a level-triggered reconcile per Website into a
// Deployment and a Service it owns, status written through /status, and a finalizer for clean-up.

import * as k8s from '@kubernetes/client-node';

export const group = 'examples.kubemock.dev';
export const version = 'v1';
export const plural = 'websites';
export const finalizer = 'examples.kubemock.dev/cleanup';
const fieldManager = 'website-operator';

export interface Website extends k8s.KubernetesObject {
  spec: { image: string; replicas?: number; port?: number };
  status?: { observedGeneration?: number; readyReplicas?: number; url?: string; conditions?: Condition[] };
}

interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

export interface OperatorOptions {
  /** The namespace watched. */
  namespace: string;
  /** Called with reconcile failures (they are retried); defaults to console.error. */
  onError?: (err: unknown) => void;
  /** How long a failed reconcile waits before it is retried. */
  retryMs?: number;
}

export interface RunningOperator {
  stop(): Promise<void>;
}

const isNotFound = (err: unknown) => err instanceof k8s.ApiException && err.code === 404;
const isConflict = (err: unknown) => err instanceof k8s.ApiException && err.code === 409;

function labelsOf(website: Website): Record<string, string> {
  return { 'app.kubernetes.io/name': 'website', 'app.kubernetes.io/instance': website.metadata!.name! };
}

function ownerReference(website: Website): k8s.V1OwnerReference {
  return { apiVersion: `${group}/${version}`, kind: 'Website', name: website.metadata!.name!, uid: website.metadata!.uid!, controller: true, blockOwnerDeletion: true };
}

function desiredDeployment(website: Website): k8s.V1Deployment {
  const labels = labelsOf(website);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: website.metadata!.name, namespace: website.metadata!.namespace, labels, ownerReferences: [ownerReference(website)] },
    spec: {
      replicas: website.spec.replicas ?? 1,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: { containers: [{ name: 'web', image: website.spec.image, ports: [{ name: 'http', containerPort: website.spec.port ?? 8080 }] }] },
      },
    },
  };
}

function desiredService(website: Website): k8s.V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: website.metadata!.name, namespace: website.metadata!.namespace, labels: labelsOf(website), ownerReferences: [ownerReference(website)] },
    spec: { selector: labelsOf(website), ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
  };
}

export async function startWebsiteOperator(kubeconfig: k8s.KubeConfig, options: OperatorOptions): Promise<RunningOperator> {
  const custom = kubeconfig.makeApiClient(k8s.CustomObjectsApi);
  const apps = kubeconfig.makeApiClient(k8s.AppsV1Api);
  const core = kubeconfig.makeApiClient(k8s.CoreV1Api);
  const objects = k8s.KubernetesObjectApi.makeApiClient(kubeconfig);
  const { namespace } = options;
  const onError = options.onError ?? ((err: unknown) => console.error('website-operator:', err));
  const retryMs = options.retryMs ?? 200;
  const base = { group, version, namespace, plural };

  const pending = new Set<string>();
  const running = new Set<string>();
  const again = new Set<string>();
  const retries = new Map<string, NodeJS.Timeout>();
  let stopped = false;

  /** Applies a dependent with server-side apply, so repeated reconciles converge on the same object. */
  const apply = (object: k8s.KubernetesObject) => objects.patch(object, undefined, undefined, fieldManager, true, k8s.PatchStrategy.ServerSideApply);

  async function reconcile(name: string): Promise<void> {
    let website: Website;
    try {
      website = (await custom.getNamespacedCustomObject({ ...base, name })) as Website;
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    const meta = website.metadata!;
    if (meta.deletionTimestamp) {
      if (!(meta.finalizers ?? []).includes(finalizer)) return;
      for (const remove of [() => apps.deleteNamespacedDeployment({ name, namespace }), () => core.deleteNamespacedService({ name, namespace })]) {
        try {
          await remove();
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
      }
      const finalizers = (meta.finalizers ?? []).filter((f) => f !== finalizer);
      await custom.patchNamespacedCustomObject(
        { ...base, name, body: [{ op: 'test', path: '/metadata/resourceVersion', value: meta.resourceVersion }, { op: 'replace', path: '/metadata/finalizers', value: finalizers }] },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch),
      );
      return;
    }
    if (!(meta.finalizers ?? []).includes(finalizer)) {
      const finalizers = [...(meta.finalizers ?? []), finalizer];
      await custom.patchNamespacedCustomObject({ ...base, name, body: { metadata: { finalizers, resourceVersion: meta.resourceVersion } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
      return; // The change brings the Website back through the informer.
    }
    const deployment = (await apply(desiredDeployment(website))) as k8s.V1Deployment;
    await apply(desiredService(website));
    const readyReplicas = deployment.status?.readyReplicas ?? 0;
    const wanted = website.spec.replicas ?? 1;
    const ready = readyReplicas >= wanted;
    const previous = website.status?.conditions?.find((c) => c.type === 'Ready');
    const condition: Condition = {
      type: 'Ready',
      status: ready ? 'True' : 'False',
      reason: ready ? 'ReplicasReady' : 'ReplicasPending',
      message: `${readyReplicas}/${wanted} replicas are ready`,
      lastTransitionTime: previous && previous.status === (ready ? 'True' : 'False') ? previous.lastTransitionTime : new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    };
    const status = { observedGeneration: meta.generation, readyReplicas, url: `http://${name}.${namespace}.svc.cluster.local`, conditions: [condition] };
    if (JSON.stringify(status) === JSON.stringify(website.status)) return;
    await custom.patchNamespacedCustomObjectStatus(
      { ...base, name, body: { metadata: { resourceVersion: meta.resourceVersion }, status } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
  }

  /** Runs reconciles one at a time per Website; a change arriving meanwhile runs it once more. */
  function enqueue(name: string): void {
    if (stopped) return;
    if (running.has(name)) {
      again.add(name);
      return;
    }
    pending.add(name);
    queueMicrotask(async () => {
      if (!pending.delete(name) || stopped) return;
      running.add(name);
      try {
        await reconcile(name);
      } catch (err) {
        if (!isConflict(err)) onError(err);
        // A conflict means the Website changed: its newer version is on its way.
        const timer = setTimeout(() => {
          retries.delete(name);
          enqueue(name);
        }, retryMs);
        retries.set(name, timer);
      } finally {
        running.delete(name);
        if (again.delete(name)) enqueue(name);
      }
    });
  }

  const informer = k8s.makeInformer<Website>(
    kubeconfig,
    `/apis/${group}/${version}/namespaces/${namespace}/${plural}`,
    () => custom.listNamespacedCustomObject(base) as Promise<k8s.KubernetesListObject<Website>>,
  );
  const nameOf = (object: k8s.KubernetesObject) => object.metadata!.name!;
  informer.on('add', (w) => enqueue(nameOf(w)));
  informer.on('update', (w) => enqueue(nameOf(w)));
  informer.on('delete', (w) => enqueue(nameOf(w)));
  informer.on('error', (err) => {
    if (stopped) return;
    onError(err);
    setTimeout(() => informer.start().catch(onError), retryMs);
  });
  // Deployments report readiness changes; they bring their Website back.
  const deployments = k8s.makeInformer<k8s.V1Deployment>(kubeconfig, `/apis/apps/v1/namespaces/${namespace}/deployments`, () => apps.listNamespacedDeployment({ namespace }));
  deployments.on('update', (d) => {
    const owner = d.metadata?.ownerReferences?.find((o) => o.kind === 'Website' && o.apiVersion === `${group}/${version}`);
    if (owner) enqueue(owner.name);
  });
  deployments.on('error', (err) => {
    if (stopped) return;
    onError(err);
    setTimeout(() => deployments.start().catch(onError), retryMs);
  });
  await informer.start();
  await deployments.start();

  return {
    async stop() {
      stopped = true;
      for (const timer of retries.values()) clearTimeout(timer);
      retries.clear();
      await informer.stop();
      await deployments.stop();
    },
  };
}
