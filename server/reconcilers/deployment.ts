// The Deployment controller (pkg/controller/deployment): a ReplicaSet per pod template, named by
// the pod-template-hash; rolling updates within maxSurge and maxUnavailable, Recreate, proportional
// scaling, pause and resume, revisions and their history limit, the deprecated rollbackTo
// annotation, and the Available / Progressing / ReplicaFailure conditions with the real reasons,
// messages and ProgressDeadlineExceeded through the clock.

import { timestamp } from '../clock.js';
import { StatusError } from '../errors.js';
import { jsonEqual } from '../json.js';
import { labelSelectorFromObject, type LabelSelector } from '../selectors/labels.js';
import type { StoreEvent, StoredObject } from '../store/memory-store.js';
import type { KubeObject } from '../store/types.js';
import { controllerManagerIdentity, type ControllerDescriptor } from './controller.js';
import { candidates, claim, controllerRef, OrphanIndex } from './controller-refs.js';
import { EventRecorder, referenceTo } from './events.js';
import { podTemplateHash } from './hashes.js';
import { controllerOf } from './owner-index.js';
import { namespaceTerminating } from './replicaset.js';

type Json = Record<string, any>;

const replicaSets = 'apps/replicasets';
const hashLabel = 'pod-template-hash';
const revisionAnnotation = 'deployment.kubernetes.io/revision';
const revisionHistoryAnnotation = 'deployment.kubernetes.io/revision-history';
const desiredReplicasAnnotation = 'deployment.kubernetes.io/desired-replicas';
const maxReplicasAnnotation = 'deployment.kubernetes.io/max-replicas';
const rollbackToAnnotation = 'deprecated.deployment.rollback.to';
const lastAppliedAnnotation = 'kubectl.kubernetes.io/last-applied-configuration';
/** Annotations a Deployment does not pass to its ReplicaSets (and a rollback does not take back). */
const notCopied = new Set([lastAppliedAnnotation, revisionAnnotation, revisionHistoryAnnotation, desiredReplicasAnnotation, maxReplicasAnnotation, rollbackToAnnotation]);
const maxRevisionHistoryChars = 2000;
const int32Max = 2 ** 31 - 1;

const reasons = {
  replicaSetUpdated: 'ReplicaSetUpdated',
  failedCreate: 'ReplicaSetCreateError',
  newReplicaSet: 'NewReplicaSetCreated',
  foundNewReplicaSet: 'FoundNewReplicaSet',
  newReplicaSetAvailable: 'NewReplicaSetAvailable',
  timedOut: 'ProgressDeadlineExceeded',
  paused: 'DeploymentPaused',
  resumed: 'DeploymentResumed',
  minimumAvailable: 'MinimumReplicasAvailable',
  minimumUnavailable: 'MinimumReplicasUnavailable',
};

// ---------- reading Deployments and ReplicaSets ----------

const specOf = (o: KubeObject): Json => (o.spec ?? {}) as Json;
const statusOf = (o: KubeObject): Json => (o.status ?? {}) as Json;
const replicasOf = (rs: KubeObject): number => specOf(rs).replicas ?? 1;
const desired = (d: KubeObject): number => specOf(d).replicas ?? 1;
const isRollingUpdate = (d: KubeObject) => specOf(d).strategy?.type === 'RollingUpdate';
const created = (o: KubeObject) => Date.parse(o.metadata.creationTimestamp ?? '') || 0;

/** ReplicaSetsByCreationTimestamp. */
function byCreation(a: KubeObject, b: KubeObject): number {
  const diff = created(a) - created(b);
  if (diff !== 0) return diff;
  return (a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : (a.metadata.name ?? '') > (b.metadata.name ?? '') ? 1 : 0;
}

/** intstr.GetScaledValueFromIntOrPercent. */
function scaledValue(value: unknown, total: number, roundUp: boolean): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^\d+%$/.test(value)) {
    const percent = Number(value.slice(0, -1));
    return roundUp ? Math.ceil((percent * total) / 100) : Math.floor((percent * total) / 100);
  }
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
  return 0;
}

/** ResolveFenceposts: surge rounds up, unavailability down; both zero means one unavailable. */
function fenceposts(d: KubeObject): { surge: number; unavailable: number } {
  const rolling = specOf(d).strategy?.rollingUpdate ?? {};
  const surge = scaledValue(rolling.maxSurge ?? 0, desired(d), true);
  let unavailable = scaledValue(rolling.maxUnavailable ?? 0, desired(d), false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

function maxSurge(d: KubeObject): number {
  return isRollingUpdate(d) ? fenceposts(d).surge : 0;
}

function maxUnavailable(d: KubeObject): number {
  if (!isRollingUpdate(d) || desired(d) === 0) return 0;
  return Math.min(fenceposts(d).unavailable, desired(d));
}

function hasProgressDeadline(d: KubeObject): boolean {
  const deadline = specOf(d).progressDeadlineSeconds;
  return typeof deadline === 'number' && deadline !== int32Max;
}

function revisionOf(o: KubeObject | undefined): number {
  const value = o?.metadata.annotations?.[revisionAnnotation];
  return value && /^\d+$/.test(value) ? Number(value) : 0;
}

function annotationInt(rs: KubeObject, key: string): number | undefined {
  const value = rs.metadata.annotations?.[key];
  if (value === undefined || !/^\d+$/.test(value)) return undefined;
  const n = Number(value);
  return n <= int32Max ? n : undefined;
}

/** The template without the pod-template-hash label, for comparing a Deployment's with a ReplicaSet's (a shallow copy: the rest is shared). */
function withoutHash(template: Json | undefined): Json {
  const labels = template?.metadata?.labels;
  if (!labels) return template ?? {};
  const { [hashLabel]: _hash, ...rest } = labels;
  const metadata = { ...template!.metadata, labels: rest };
  if (Object.keys(rest).length === 0) delete metadata.labels;
  return { ...template, metadata };
}

function equalIgnoreHash(a: Json | undefined, b: Json | undefined): boolean {
  return jsonEqual(withoutHash(a), withoutHash(b));
}

const sum = (list: KubeObject[], read: (rs: KubeObject) => number) => list.reduce((total, rs) => total + read(rs), 0);
const specReplicas = (list: KubeObject[]) => sum(list, replicasOf);
const actualReplicas = (list: KubeObject[]) => sum(list, (rs) => statusOf(rs).replicas ?? 0);
const readyReplicas = (list: KubeObject[]) => sum(list, (rs) => statusOf(rs).readyReplicas ?? 0);
const availableReplicas = (list: KubeObject[]) => sum(list, (rs) => statusOf(rs).availableReplicas ?? 0);
const active = (list: KubeObject[]) => list.filter((rs) => replicasOf(rs) > 0);

// ---------- conditions ----------

function condition(status: Json, type: string): Json | undefined {
  return (status.conditions ?? []).find((c: Json) => c.type === type);
}

function newCondition(type: string, status: string, reason: string, message: string, now: Date): Json {
  const at = timestamp(now);
  return { type, status, lastUpdateTime: at, lastTransitionTime: at, reason, message };
}

/** SetDeploymentCondition: same status and reason changes nothing; same status keeps the transition time. */
function setCondition(status: Json, next: Json): void {
  const current = condition(status, next.type);
  if (current && current.status === next.status && current.reason === next.reason) return;
  if (current && current.status === next.status) next.lastTransitionTime = current.lastTransitionTime;
  status.conditions = [...(status.conditions ?? []).filter((c: Json) => c.type !== next.type), next];
}

function removeCondition(status: Json, type: string): void {
  status.conditions = (status.conditions ?? []).filter((c: Json) => c.type !== type);
}

/** DeploymentStatus in field order, zeros and empty lists left out as Go's omitempty leaves them. */
function canonicalStatus(status: Json): Json {
  const out: Json = {};
  for (const key of ['observedGeneration', 'replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas']) {
    if (status[key]) out[key] = status[key];
  }
  if (status.conditions?.length) out.conditions = status.conditions;
  if (status.collisionCount !== undefined && status.collisionCount !== null) out.collisionCount = status.collisionCount;
  return out;
}

function deploymentComplete(d: KubeObject, status: Json): boolean {
  const replicas = desired(d);
  return (
    (status.updatedReplicas ?? 0) === replicas &&
    (status.replicas ?? 0) === replicas &&
    (status.availableReplicas ?? 0) === replicas &&
    (status.observedGeneration ?? 0) >= (d.metadata.generation ?? 0)
  );
}

function deploymentProgressing(d: KubeObject, status: Json): boolean {
  const old = statusOf(d);
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (status.replicas ?? 0) - (status.updatedReplicas ?? 0);
  return (
    (status.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) ||
    newOld < oldOld ||
    (status.readyReplicas ?? 0) > (old.readyReplicas ?? 0) ||
    (status.availableReplicas ?? 0) > (old.availableReplicas ?? 0)
  );
}

function deploymentTimedOut(d: KubeObject, status: Json, now: Date): boolean {
  if (!hasProgressDeadline(d)) return false;
  const progressing = condition(status, 'Progressing');
  if (!progressing || progressing.reason === reasons.newReplicaSetAvailable) return false;
  if (progressing.reason === reasons.timedOut) return true;
  return Date.parse(progressing.lastUpdateTime) + specOf(d).progressDeadlineSeconds * 1000 < now.getTime();
}

// ---------- the controller ----------

export const deploymentController: ControllerDescriptor = {
  name: 'deployment-controller',
  aliases: ['deployment'],
  create(env) {
    const { services } = env;
    const { store, clock } = services;
    const client = env.client(controllerManagerIdentity('deployment-controller'));
    const recorder = new EventRecorder(client, { component: 'deployment-controller' }, clock);
    const orphanReplicaSets = new OrphanIndex(
      () => store.list(replicaSets),
      (key) => store.get(replicaSets, key),
    );

    const selectorOf = (d: KubeObject): LabelSelector | undefined => {
      const selector = specOf(d).selector;
      return selector && typeof selector === 'object' ? labelSelectorFromObject(selector) : undefined;
    };

    const deploymentKeyOf = (rs: StoredObject | undefined): string | undefined => {
      const ref = controllerOf(rs);
      return ref && ref.kind === 'Deployment' && ref.apiVersion === 'apps/v1' ? `${rs!.namespace}/${ref.name}` : undefined;
    };

    /** getDeploymentsForReplicaSet: Deployments of the namespace whose non-empty selector matches. */
    const deploymentsMatching = (rs: StoredObject): string[] => {
      if (!rs.object.metadata.labels || Object.keys(rs.object.metadata.labels).length === 0) return [];
      const prefix = `${rs.namespace}/`;
      const keys: string[] = [];
      for (const d of store.list('apps/deployments')) {
        if (!d.key.startsWith(prefix)) continue;
        const selector = specOf(d.object).selector;
        if (!selector || (Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0)) continue;
        if (labelSelectorFromObject(selector)(rs.object.metadata.labels)) keys.push(d.key);
      }
      return keys.slice(0, 1);
    };

    const onReplicaSet = (event: StoreEvent): string[] => {
      orphanReplicaSets.observe(event);
      const rs = event.object;
      const owner = deploymentKeyOf(rs);
      const previousOwner = deploymentKeyOf(event.previous);
      const keys = new Set<string>();
      if (event.type === 'DELETED') {
        if (owner) keys.add(owner);
        return [...keys];
      }
      if (event.type === 'ADDED' && rs.object.metadata.deletionTimestamp) return [];
      if (previousOwner && previousOwner !== owner) keys.add(previousOwner);
      if (owner) keys.add(owner);
      else if (event.type === 'ADDED' || !jsonEqual(rs.object.metadata.labels, event.previous?.object.metadata.labels) || previousOwner) {
        for (const key of deploymentsMatching(rs)) keys.add(key);
      }
      return [...keys];
    };

    /** A deleted pod lets a Recreate rollout go on once the old pods are all gone. */
    const onPod = (event: StoreEvent): string[] => {
      if (event.type !== 'DELETED') return [];
      const ref = controllerOf(event.object);
      if (!ref || ref.kind !== 'ReplicaSet') return [];
      const key = deploymentKeyOf(store.get(replicaSets, `${event.object.namespace}/${ref.name}`));
      if (!key) return [];
      const d = store.get('apps/deployments', key);
      return d && specOf(d.object).strategy?.type === 'Recreate' ? [key] : [];
    };

    /** One sync of one Deployment: the real controller's syncDeployment, over a working copy `d`. */
    class Sync {
      /** The Deployment as this sync last wrote or read it; `d` is the working copy of it. */
      private stored: StoredObject;
      d: KubeObject;
      rsList: StoredObject[] = [];
      requeueAfterMs?: number;
      private readonly now = clock.now();

      constructor(stored: StoredObject) {
        this.stored = stored;
        this.d = JSON.parse(stored.json);
      }

      private get reference() {
        return referenceTo(this.stored);
      }

      /** UpdateStatus of the working copy: its status, and the annotations the controller keeps on it. */
      writeStatus(): void {
        const status = canonicalStatus(statusOf(this.d));
        const annotations = this.d.metadata.annotations;
        client.updateStatus(this.stored, (o) => {
          o.status = status;
          if (annotations && Object.keys(annotations).length) o.metadata.annotations = annotations;
          else delete o.metadata.annotations;
        });
        this.refresh();
      }

      /** Update of the Deployment itself (rollback). */
      writeDeployment(): void {
        const spec = this.d.spec;
        const annotations = this.d.metadata.annotations;
        client.update(this.stored, (o) => {
          o.spec = spec;
          if (annotations && Object.keys(annotations).length) o.metadata.annotations = annotations;
          else delete o.metadata.annotations;
        });
        this.refresh();
      }

      private refresh(): void {
        const latest = client.get('apps/deployments', this.stored.namespace, this.stored.name);
        if (latest) {
          this.stored = latest;
          const status = statusOf(this.d);
          this.d = JSON.parse(latest.json);
          this.d.status = status;
        }
      }

      event(type: 'Normal' | 'Warning', reason: string, message: string): void {
        recorder.event(this.reference, type, reason, message);
      }

      run(): void {
        const d = this.d;
        const selector = specOf(d).selector;
        if (selector && Object.keys(selector).length === 0) {
          this.event('Warning', 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.');
          if ((statusOf(d).observedGeneration ?? 0) < (d.metadata.generation ?? 0)) {
            d.status = { ...statusOf(d), observedGeneration: d.metadata.generation };
            this.writeStatus();
          }
          return;
        }
        const match = selectorOf(d);
        if (!match) return;
        this.rsList = claim(candidates(env.owners, store, replicaSets, d.metadata.uid!, orphanReplicaSets, this.stored.namespace), {
          client,
          owner: this.stored,
          ref: controllerRef(d, 'apps/v1', 'Deployment'),
          matches: (rs) => match(rs.metadata.labels),
        });
        if (d.metadata.deletionTimestamp) return this.syncStatusOnly();
        this.checkPausedConditions();
        if (specOf(this.d).paused) return this.sync();
        if (this.rollbackTo() !== undefined) return this.rollback();
        if (this.isScalingEvent()) return this.sync();
        if (specOf(this.d).strategy?.type === 'Recreate') return this.rolloutRecreate();
        return this.rolloutRolling();
      }

      // ----- ReplicaSets -----

      private objects(list: StoredObject[]): KubeObject[] {
        return list.map((s) => s.object);
      }

      private latest(rs: StoredObject): StoredObject {
        return client.get(replicaSets, rs.namespace, rs.name) ?? rs;
      }

      /** The ReplicaSets claimed, as stored now. */
      private current(): StoredObject[] {
        this.rsList = this.rsList.map((rs) => this.latest(rs));
        return this.rsList;
      }

      findNew(): StoredObject | undefined {
        const template = specOf(this.d).template;
        return [...this.current()].sort((a, b) => byCreation(a.object, b.object)).find((rs) => equalIgnoreHash(specOf(rs.object).template, template));
      }

      findOld(newRS: StoredObject | undefined): StoredObject[] {
        return this.current().filter((rs) => rs.object.metadata.uid !== newRS?.object.metadata.uid);
      }

      /** getAllReplicaSetsAndSyncRevision. */
      allReplicaSets(createIfMissing: boolean): { newRS?: StoredObject; oldRSs: StoredObject[] } {
        const oldRSs = this.findOld(this.findNew());
        const newRS = this.getNewReplicaSet(oldRSs, createIfMissing);
        return { newRS, oldRSs: this.findOld(newRS) };
      }

      private setNewReplicaSetAnnotations(rs: KubeObject, newRevision: number, exists: boolean): boolean {
        let changed = false;
        const annotations = (rs.metadata.annotations ??= {});
        for (const [key, value] of Object.entries(this.d.metadata.annotations ?? {})) {
          if (notCopied.has(key) || annotations[key] === value) continue;
          annotations[key] = value;
          changed = true;
        }
        const oldText = annotations[revisionAnnotation];
        const hadRevision = oldText !== undefined;
        let oldRevision = 0;
        if (hadRevision) {
          if (!/^-?\d+$/.test(oldText)) return false;
          oldRevision = Number(oldText);
        }
        if (oldRevision < newRevision) {
          annotations[revisionAnnotation] = String(newRevision);
          changed = true;
        }
        if (hadRevision && oldRevision < newRevision) {
          const history = annotations[revisionHistoryAnnotation] ?? '';
          const revisions = history.split(',');
          if (revisions[0].length === 0) {
            annotations[revisionHistoryAnnotation] = oldText;
          } else {
            let total = history.length + oldText.length + 1;
            let start = 0;
            while (total > maxRevisionHistoryChars && start < revisions.length) {
              total -= revisions[start].length + 1;
              start++;
            }
            if (total <= maxRevisionHistoryChars) annotations[revisionHistoryAnnotation] = [...revisions.slice(start), oldText].join(',');
          }
        }
        if (!exists && this.setReplicasAnnotations(rs)) changed = true;
        return changed;
      }

      private setReplicasAnnotations(rs: KubeObject): boolean {
        const annotations = (rs.metadata.annotations ??= {});
        const wanted = String(desired(this.d));
        const most = String(desired(this.d) + maxSurge(this.d));
        let changed = false;
        if (annotations[desiredReplicasAnnotation] !== wanted) {
          annotations[desiredReplicasAnnotation] = wanted;
          changed = true;
        }
        if (annotations[maxReplicasAnnotation] !== most) {
          annotations[maxReplicasAnnotation] = most;
          changed = true;
        }
        return changed;
      }

      private setDeploymentRevision(revision: string): boolean {
        const annotations = (this.d.metadata.annotations ??= {});
        if (annotations[revisionAnnotation] === revision) return false;
        annotations[revisionAnnotation] = revision;
        return true;
      }

      private getNewReplicaSet(oldRSs: StoredObject[], createIfMissing: boolean): StoredObject | undefined {
        const d = this.d;
        const existing = this.findNew();
        const maxOldRevision = Math.max(0, ...oldRSs.map((rs) => revisionOf(rs.object)));
        const newRevision = maxOldRevision + 1;
        if (existing) {
          const copy: KubeObject = JSON.parse(existing.json);
          const annotationsUpdated = this.setNewReplicaSetAnnotations(copy, newRevision, true);
          const minReadySeconds = specOf(d).minReadySeconds ?? 0;
          if (annotationsUpdated || (specOf(copy).minReadySeconds ?? 0) !== minReadySeconds) {
            client.update(existing, (rs) => {
              rs.metadata.annotations = copy.metadata.annotations;
              if (minReadySeconds) (rs.spec as Json).minReadySeconds = minReadySeconds;
              else delete (rs.spec as Json).minReadySeconds;
            });
            return this.latest(existing);
          }
          let needsUpdate = this.setDeploymentRevision(copy.metadata.annotations?.[revisionAnnotation] ?? '');
          if (hasProgressDeadline(d) && !condition(statusOf(d), 'Progressing')) {
            setCondition((d.status ??= {}) as Json, newCondition('Progressing', 'True', reasons.foundNewReplicaSet, `Found new replica set "${existing.name}"`, this.now));
            needsUpdate = true;
          }
          if (needsUpdate) this.writeStatus();
          return existing;
        }
        if (!createIfMissing) return undefined;

        const status = statusOf(d);
        const template = structuredClone(specOf(d).template ?? {});
        const hash = podTemplateHash(specOf(d).template, status.collisionCount ?? undefined);
        template.metadata ??= {};
        template.metadata.labels = { ...template.metadata.labels, [hashLabel]: hash };
        const selector = structuredClone(specOf(d).selector ?? {});
        selector.matchLabels = { ...selector.matchLabels, [hashLabel]: hash };
        const name = `${d.metadata.name}-${hash}`;
        const rs: KubeObject = {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          metadata: { name, namespace: this.stored.namespace, labels: { ...template.metadata.labels }, ownerReferences: [{ ...controllerRef(d, 'apps/v1', 'Deployment') }] },
          spec: { replicas: 0, selector, template },
        };
        const minReadySeconds = specOf(d).minReadySeconds ?? 0;
        if (minReadySeconds) (rs.spec as Json).minReadySeconds = minReadySeconds;
        const replicas = this.newReplicaSetReplicas([...this.objects(oldRSs), rs], rs);
        (rs.spec as Json).replicas = replicas;
        this.setNewReplicaSetAnnotations(rs, newRevision, false);

        let createdRS: StoredObject | undefined;
        let alreadyExisted = false;
        try {
          const result = client.create(replicaSets, this.stored.namespace, rs);
          createdRS = client.get(replicaSets, this.stored.namespace, result.object.metadata.name!);
        } catch (err) {
          if (err instanceof StatusError && err.code === 409 && err.status.reason === 'AlreadyExists') {
            const clash = client.get(replicaSets, this.stored.namespace, name);
            if (!clash) throw err;
            if (controllerOf(clash)?.uid === d.metadata.uid && equalIgnoreHash(specOf(d).template, specOf(clash.object).template)) {
              createdRS = clash;
              alreadyExisted = true;
            } else {
              // Another template hashed to this name: count the collision so the next name differs.
              d.status = { ...statusOf(d), collisionCount: (status.collisionCount ?? 0) + 1 };
              this.writeStatus();
              throw err;
            }
          } else if (namespaceTerminating(err)) {
            throw err;
          } else {
            const message = `Failed to create new replica set "${name}": ${(err as Error).message}`;
            if (hasProgressDeadline(d)) {
              setCondition((d.status ??= {}) as Json, newCondition('Progressing', 'False', reasons.failedCreate, message, this.now));
              this.writeStatus();
            }
            this.event('Warning', reasons.failedCreate, message);
            throw err;
          }
        }
        if (!createdRS) return undefined;
        if (!this.rsList.some((s) => s.key === createdRS!.key)) this.rsList.push(createdRS);
        if (!alreadyExisted && replicas > 0) this.event('Normal', 'ScalingReplicaSet', `Scaled up replica set ${createdRS.name} from 0 to ${replicas}`);
        let needsUpdate = this.setDeploymentRevision(String(newRevision));
        if (!alreadyExisted && hasProgressDeadline(d)) {
          setCondition((d.status ??= {}) as Json, newCondition('Progressing', 'True', reasons.newReplicaSet, `Created new replica set "${createdRS.name}"`, this.now));
          needsUpdate = true;
        }
        if (needsUpdate) this.writeStatus();
        return createdRS;
      }

      /** NewRSNewReplicas. */
      private newReplicaSetReplicas(all: KubeObject[], newRS: KubeObject): number {
        const d = this.d;
        if (specOf(d).strategy?.type === 'Recreate') return desired(d);
        const surge = scaledValue(specOf(d).strategy?.rollingUpdate?.maxSurge, desired(d), true);
        const current = specReplicas(all);
        const maxTotal = desired(d) + surge;
        if (current >= maxTotal) return replicasOf(newRS);
        return replicasOf(newRS) + Math.min(maxTotal - current, desired(d) - replicasOf(newRS));
      }

      /** scaleReplicaSet (with its event when the size changes). */
      scaleReplicaSet(rs: StoredObject, size: number): boolean {
        const d = this.d;
        const sizeChanges = replicasOf(rs.object) !== size;
        const wanted = String(desired(d));
        const most = String(desired(d) + maxSurge(d));
        const annotations = rs.object.metadata.annotations ?? {};
        const annotationsChange = annotations[desiredReplicasAnnotation] !== wanted || annotations[maxReplicasAnnotation] !== most;
        if (!sizeChanges && !annotationsChange) return false;
        const before = replicasOf(rs.object);
        client.update(rs, (o) => {
          (o.spec as Json).replicas = size;
          o.metadata.annotations = { ...o.metadata.annotations, [desiredReplicasAnnotation]: wanted, [maxReplicasAnnotation]: most };
        });
        this.current();
        if (!sizeChanges) return false;
        this.event('Normal', 'ScalingReplicaSet', `Scaled ${before < size ? 'up' : 'down'} replica set ${rs.name} from ${before} to ${size}`);
        return true;
      }

      scaleAndRecord(rs: StoredObject, size: number): boolean {
        if (replicasOf(rs.object) === size) return false;
        return this.scaleReplicaSet(rs, size);
      }

      // ----- status -----

      calculateStatus(all: KubeObject[], newRS: KubeObject | undefined): Json {
        const d = this.d;
        const available = availableReplicas(all);
        const status: Json = {
          observedGeneration: d.metadata.generation,
          replicas: actualReplicas(all),
          updatedReplicas: newRS ? actualReplicas([newRS]) : 0,
          readyReplicas: readyReplicas(all),
          availableReplicas: available,
          unavailableReplicas: Math.max(0, specReplicas(all) - available),
          conditions: [...(statusOf(d).conditions ?? [])],
        };
        if (statusOf(d).collisionCount !== undefined) status.collisionCount = statusOf(d).collisionCount;
        if (available >= desired(d) - maxUnavailable(d)) {
          setCondition(status, newCondition('Available', 'True', reasons.minimumAvailable, 'Deployment has minimum availability.', this.now));
        } else {
          setCondition(status, newCondition('Available', 'False', reasons.minimumUnavailable, 'Deployment does not have minimum availability.', this.now));
        }
        return status;
      }

      private statusChanged(next: Json): boolean {
        return !jsonEqual(canonicalStatus(statusOf(this.d)), canonicalStatus(next));
      }

      syncDeploymentStatus(all: KubeObject[], newRS: KubeObject | undefined): void {
        const next = this.calculateStatus(all, newRS);
        if (!this.statusChanged(next)) return;
        this.d.status = next;
        this.writeStatus();
      }

      syncRolloutStatus(all: KubeObject[], newRS: KubeObject | undefined): void {
        const d = this.d;
        const next = this.calculateStatus(all, newRS);
        if (!hasProgressDeadline(d)) removeCondition(next, 'Progressing');
        const current = condition(statusOf(d), 'Progressing');
        const complete = next.replicas === next.updatedReplicas && current?.reason === reasons.newReplicaSetAvailable;
        if (hasProgressDeadline(d) && !complete) {
          const subject = newRS ? `ReplicaSet "${newRS.metadata.name}"` : `Deployment "${d.metadata.name}"`;
          if (deploymentComplete(d, next)) {
            setCondition(next, newCondition('Progressing', 'True', reasons.newReplicaSetAvailable, `${subject} has successfully progressed.`, this.now));
          } else if (deploymentProgressing(d, next)) {
            const progressing = newCondition('Progressing', 'True', reasons.replicaSetUpdated, `${subject} is progressing.`, this.now);
            if (current) {
              if (current.status === 'True') progressing.lastTransitionTime = current.lastTransitionTime;
              removeCondition(next, 'Progressing');
            }
            setCondition(next, progressing);
          } else if (deploymentTimedOut(d, next, this.now)) {
            setCondition(next, newCondition('Progressing', 'False', reasons.timedOut, `${subject} has timed out progressing.`, this.now));
          }
        }
        const failures = this.replicaFailures(all, newRS);
        if (failures.length) setCondition(next, failures[0]);
        else removeCondition(next, 'ReplicaFailure');
        if (!this.statusChanged(next)) {
          this.requeueStuck(next);
          return;
        }
        this.d.status = next;
        this.writeStatus();
      }

      private replicaFailures(all: KubeObject[], newRS: KubeObject | undefined): Json[] {
        const toDeployment = (c: Json) => ({ type: c.type, status: c.status, lastUpdateTime: c.lastTransitionTime, lastTransitionTime: c.lastTransitionTime, reason: c.reason, message: c.message });
        const of = (rs: KubeObject) => (statusOf(rs).conditions ?? []).filter((c: Json) => c.type === 'ReplicaFailure').map(toDeployment);
        if (newRS) {
          const own = of(newRS);
          if (own.length) return own;
        }
        return all.flatMap(of);
      }

      /** requeueStuckDeployment: look again when the progress deadline passes. */
      private requeueStuck(next: Json): void {
        const d = this.d;
        const current = condition(statusOf(d), 'Progressing');
        if (!hasProgressDeadline(d) || !current) return;
        if (deploymentComplete(d, next) || current.reason === reasons.timedOut) return;
        const after = Date.parse(current.lastUpdateTime) + specOf(d).progressDeadlineSeconds * 1000 - this.now.getTime();
        this.requeueAfterMs = after < 1000 ? 0 : after + 1000;
      }

      // ----- the flows -----

      syncStatusOnly(): void {
        const { newRS, oldRSs } = this.allReplicaSets(false);
        this.syncDeploymentStatus(this.objects(newRS ? [...oldRSs, newRS] : oldRSs), newRS?.object);
      }

      checkPausedConditions(): void {
        const d = this.d;
        if (!hasProgressDeadline(d)) return;
        const current = condition(statusOf(d), 'Progressing');
        if (current?.reason === reasons.timedOut) return;
        const pausedShown = current?.reason === reasons.paused;
        const paused = !!specOf(d).paused;
        if (paused && !pausedShown) {
          setCondition((d.status ??= {}) as Json, newCondition('Progressing', 'Unknown', reasons.paused, 'Deployment is paused', this.now));
        } else if (!paused && pausedShown) {
          setCondition((d.status ??= {}) as Json, newCondition('Progressing', 'Unknown', reasons.resumed, 'Deployment is resumed', this.now));
        } else {
          return;
        }
        this.writeStatus();
      }

      /** The scaling flow (and a paused Deployment's): resize without rolling. */
      sync(): void {
        const { newRS, oldRSs } = this.allReplicaSets(false);
        const all = this.objects(newRS ? [...oldRSs, newRS] : oldRSs);
        this.scale(newRS, oldRSs);
        if (specOf(this.d).paused && this.rollbackTo() === undefined) this.cleanup(oldRSs.map((rs) => this.latest(rs)));
        this.syncDeploymentStatus(all, newRS?.object);
      }

      isScalingEvent(): boolean {
        const { newRS, oldRSs } = this.allReplicaSets(false);
        for (const rs of active(this.objects(newRS ? [...oldRSs, newRS] : oldRSs))) {
          const wanted = annotationInt(rs, desiredReplicasAnnotation);
          if (wanted !== undefined && wanted !== desired(this.d)) return true;
        }
        return false;
      }

      /** scale: proportional scaling of every active ReplicaSet when the Deployment's size changes. */
      private scale(newRS: StoredObject | undefined, oldRSs: StoredObject[]): void {
        const d = this.d;
        const activeOrLatest = this.activeOrLatest(newRS, oldRSs);
        if (activeOrLatest) {
          if (replicasOf(activeOrLatest.object) !== desired(d)) this.scaleAndRecord(activeOrLatest, desired(d));
          return;
        }
        if (newRS && this.isSaturated(newRS.object)) {
          for (const old of oldRSs.filter((rs) => replicasOf(rs.object) > 0)) this.scaleAndRecord(old, 0);
          return;
        }
        if (!isRollingUpdate(d)) return;
        const all = (newRS ? [...oldRSs, newRS] : oldRSs).filter((rs) => replicasOf(rs.object) > 0);
        const total = specReplicas(this.objects(all));
        const allowed = desired(d) > 0 ? desired(d) + maxSurge(d) : 0;
        const toAdd = allowed - total;
        if (toAdd > 0) all.sort((a, b) => replicasOf(b.object) - replicasOf(a.object) || byCreation(b.object, a.object));
        else if (toAdd < 0) all.sort((a, b) => replicasOf(b.object) - replicasOf(a.object) || byCreation(a.object, b.object));
        let added = 0;
        const sizes = new Map<string, number>();
        for (const rs of all) {
          if (toAdd !== 0) {
            const proportion = this.proportion(rs.object, toAdd, added);
            sizes.set(rs.name, replicasOf(rs.object) + proportion);
            added += proportion;
          } else {
            sizes.set(rs.name, replicasOf(rs.object));
          }
        }
        all.forEach((rs, index) => {
          if (index === 0 && toAdd !== 0) sizes.set(rs.name, Math.max(0, sizes.get(rs.name)! + toAdd - added));
          this.scaleReplicaSet(this.latest(rs), sizes.get(rs.name)!);
        });
      }

      private activeOrLatest(newRS: StoredObject | undefined, oldRSs: StoredObject[]): StoredObject | undefined {
        if (!newRS && oldRSs.length === 0) return undefined;
        const sortedOld = [...oldRSs].sort((a, b) => byCreation(b.object, a.object));
        const all = [...sortedOld, ...(newRS ? [newRS] : [])].filter((rs) => replicasOf(rs.object) > 0);
        if (all.length === 0) return newRS ?? sortedOld[0];
        return all.length === 1 ? all[0] : undefined;
      }

      private isSaturated(rs: KubeObject): boolean {
        const wanted = rs.metadata.annotations?.[desiredReplicasAnnotation];
        if (wanted === undefined || !/^[+-]?\d+$/.test(wanted)) return false;
        return replicasOf(rs) === desired(this.d) && Number(wanted) === desired(this.d) && (statusOf(rs).availableReplicas ?? 0) === desired(this.d);
      }

      /** GetReplicaSetProportion. */
      private proportion(rs: KubeObject, toAdd: number, added: number): number {
        if (replicasOf(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
        const fraction = this.fraction(rs);
        const allowed = toAdd - added;
        return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
      }

      private fraction(rs: KubeObject): number {
        const d = this.d;
        if (desired(d) === 0) return -replicasOf(rs);
        const most = desired(d) + maxSurge(d);
        let before = annotationInt(rs, maxReplicasAnnotation) ?? 0;
        if (before === 0) {
          before = statusOf(d).replicas ?? 0;
          if (before === 0) return 0;
        }
        // integer.RoundToInt32: half away from zero.
        const size = (replicasOf(rs) * most) / before;
        const rounded = size < 0 ? -Math.round(-size) : Math.round(size);
        return rounded - replicasOf(rs);
      }

      /** cleanupDeployment: delete the oldest idle ReplicaSets beyond revisionHistoryLimit. */
      cleanup(oldRSs: StoredObject[]): void {
        const limit = specOf(this.d).revisionHistoryLimit;
        if (typeof limit !== 'number' || limit === int32Max) return;
        const cleanable = oldRSs.filter((rs) => !rs.object.metadata.deletionTimestamp);
        const diff = cleanable.length - limit;
        if (diff <= 0) return;
        cleanable.sort((a, b) => {
          const ra = revisionOf(a.object);
          const rb = revisionOf(b.object);
          return ra === rb ? byCreation(a.object, b.object) : ra - rb;
        });
        for (const rs of cleanable.slice(0, diff)) {
          const o = rs.object;
          if ((statusOf(o).replicas ?? 0) !== 0 || replicasOf(o) !== 0 || (o.metadata.generation ?? 0) > (statusOf(o).observedGeneration ?? 0)) continue;
          try {
            client.delete(replicaSets, rs.namespace, rs.name);
          } catch (err) {
            if (!(err instanceof StatusError && err.code === 404)) throw err;
          }
          this.rsList = this.rsList.filter((s) => s.key !== rs.key);
        }
      }

      // The flows hand syncRolloutStatus the ReplicaSets as they were before this sync scaled them,
      // as the real controller does (its slices keep the objects it read).
      rolloutRolling(): void {
        const { newRS, oldRSs } = this.allReplicaSets(true);
        if (!newRS) return;
        const all = this.objects([...oldRSs, newRS]);
        if (this.reconcileNewReplicaSet(all, newRS)) return this.syncRolloutStatus(all, newRS.object);
        if (this.reconcileOldReplicaSets(all, oldRSs.filter((rs) => replicasOf(rs.object) > 0), newRS)) return this.syncRolloutStatus(all, newRS.object);
        if (deploymentComplete(this.d, statusOf(this.d))) this.cleanup(oldRSs);
        this.syncRolloutStatus(all, newRS.object);
      }

      private reconcileNewReplicaSet(all: KubeObject[], newRS: StoredObject): boolean {
        const d = this.d;
        const size = replicasOf(newRS.object);
        if (size === desired(d)) return false;
        if (size > desired(d)) return this.scaleAndRecord(newRS, desired(d));
        return this.scaleAndRecord(newRS, this.newReplicaSetReplicas(all, newRS.object));
      }

      private reconcileOldReplicaSets(all: KubeObject[], oldRSs: StoredObject[], newRS: StoredObject): boolean {
        const d = this.d;
        if (specReplicas(this.objects(oldRSs)) === 0) return false;
        const minAvailable = desired(d) - maxUnavailable(d);
        const newUnavailable = replicasOf(newRS.object) - (statusOf(newRS.object).availableReplicas ?? 0);
        const maxScaledDown = specReplicas(all) - minAvailable - newUnavailable;
        if (maxScaledDown <= 0) return false;
        const cleanup = this.cleanupUnhealthyReplicas(oldRSs, maxScaledDown);
        // The real controller gives up this step (and reports no scaling) on an invalid request.
        if (!cleanup) return false;
        const { remaining, count: cleaned } = cleanup;
        const scaled = this.scaleDownOldForRollingUpdate([...remaining.map((rs) => rs.object), this.latest(newRS).object], remaining);
        return cleaned + scaled > 0;
      }

      /** Scale old ReplicaSets down by their unavailable pods first, oldest first. */
      private cleanupUnhealthyReplicas(oldRSs: StoredObject[], maxCleanup: number): { remaining: StoredObject[]; count: number } | undefined {
        const sorted = [...oldRSs].sort((a, b) => byCreation(a.object, b.object));
        let total = 0;
        const remaining: StoredObject[] = [];
        for (const rs of sorted) {
          const size = replicasOf(rs.object);
          const availableNow = statusOf(rs.object).availableReplicas ?? 0;
          if (total >= maxCleanup || size === 0 || size === availableNow) {
            remaining.push(rs);
            continue;
          }
          const down = Math.min(maxCleanup - total, size - availableNow);
          // Status not yet caught up with a scale-down (more available than wanted): not a scale-down.
          if (size - down > size) return undefined;
          this.scaleAndRecord(rs, size - down);
          total += down;
          remaining.push(this.latest(rs));
        }
        return { remaining, count: total };
      }

      private scaleDownOldForRollingUpdate(all: KubeObject[], oldRSs: StoredObject[]): number {
        const minAvailable = desired(this.d) - maxUnavailable(this.d);
        const availableNow = availableReplicas(all);
        if (availableNow <= minAvailable) return 0;
        const toScaleDown = availableNow - minAvailable;
        let total = 0;
        for (const rs of [...oldRSs].sort((a, b) => byCreation(a.object, b.object))) {
          if (total >= toScaleDown) break;
          const size = replicasOf(rs.object);
          if (size === 0) continue;
          const down = Math.min(size, toScaleDown - total);
          this.scaleAndRecord(rs, size - down);
          total += down;
        }
        return total;
      }

      rolloutRecreate(): void {
        let { newRS, oldRSs } = this.allReplicaSets(false);
        let all = this.objects(newRS ? [...oldRSs, newRS] : oldRSs);
        let scaledDown = false;
        for (const rs of oldRSs.filter((r) => replicasOf(r.object) > 0)) if (this.scaleAndRecord(rs, 0)) scaledDown = true;
        if (scaledDown) return this.syncRolloutStatus(all, newRS?.object);
        if (this.oldPodsRunning(newRS, oldRSs)) return this.syncRolloutStatus(all, newRS?.object);
        if (!newRS) {
          ({ newRS, oldRSs } = this.allReplicaSets(true));
          all = this.objects(newRS ? [...oldRSs, newRS] : oldRSs);
        }
        if (newRS) this.scaleAndRecord(this.latest(newRS), desired(this.d));
        if (deploymentComplete(this.d, statusOf(this.d))) this.cleanup(oldRSs);
        this.syncRolloutStatus(all, newRS?.object);
      }

      private oldPodsRunning(newRS: StoredObject | undefined, oldRSs: StoredObject[]): boolean {
        if (actualReplicas(this.objects(oldRSs)) > 0) return true;
        for (const rs of this.current()) {
          if (newRS && rs.object.metadata.uid === newRS.object.metadata.uid) continue;
          for (const dependent of env.owners.dependents(rs.object.metadata.uid!)) {
            if (dependent.resource !== 'pods') continue;
            const phase = (store.get('pods', dependent.key)?.object.status as Json | undefined)?.phase;
            if (phase !== 'Failed' && phase !== 'Succeeded') return true;
          }
        }
        return false;
      }

      rollbackTo(): number | undefined {
        const value = this.d.metadata.annotations?.[rollbackToAnnotation];
        return value && /^-?\d+$/.test(value) ? Number(value) : undefined;
      }

      /** The deprecated rollbackTo annotation: put the template of that revision back. */
      rollback(): void {
        const { newRS, oldRSs } = this.allReplicaSets(true);
        const all = newRS ? [...oldRSs, newRS] : oldRSs;
        let revision = this.rollbackTo()!;
        const clear = () => {
          delete this.d.metadata.annotations?.[rollbackToAnnotation];
          this.writeDeployment();
        };
        if (revision === 0) {
          revision = lastRevision(this.objects(all));
          if (revision === 0) {
            this.event('Warning', 'DeploymentRollbackRevisionNotFound', 'Unable to find last revision.');
            return clear();
          }
        }
        const target = all.find((rs) => revisionOf(rs.object) === revision);
        if (!target) {
          this.event('Warning', 'DeploymentRollbackRevisionNotFound', 'Unable to find the revision to rollback to.');
          return clear();
        }
        const template = specOf(target.object).template;
        if (!equalIgnoreHash(specOf(this.d).template, template)) {
          const restored = structuredClone(template);
          if (restored?.metadata?.labels) {
            delete restored.metadata.labels[hashLabel];
          }
          (this.d.spec as Json).template = restored;
          const kept: Record<string, string> = {};
          for (const [k, v] of Object.entries(this.d.metadata.annotations ?? {})) if (notCopied.has(k)) kept[k] = v;
          for (const [k, v] of Object.entries(target.object.metadata.annotations ?? {})) if (!notCopied.has(k)) kept[k] = v;
          this.d.metadata.annotations = kept;
          clear();
          this.event('Normal', 'DeploymentRollback', `Rolled back deployment "${this.d.metadata.name}" to revision ${revision}`);
          return;
        }
        this.event('Warning', 'DeploymentRollbackTemplateUnchanged', `The rollback revision contains the same template as current deployment "${this.d.metadata.name}"`);
        clear();
      }
    }

    return {
      for: 'apps/deployments',
      watches: [
        { resource: replicaSets, map: onReplicaSet },
        { resource: 'pods', map: onPod },
      ],
      reconcile(key) {
        const [namespace, name] = key.split('/');
        const stored = client.get('apps/deployments', namespace, name);
        if (!stored) return undefined;
        const sync = new Sync(stored);
        sync.run();
        return sync.requeueAfterMs === undefined ? undefined : { requeueAfterMs: sync.requeueAfterMs };
      },
    };
  },
};

/** LastRevision: the second highest revision among the ReplicaSets. */
function lastRevision(all: KubeObject[]): number {
  let max = 0;
  let second = 0;
  for (const rs of all) {
    const v = revisionOf(rs);
    if (v >= max) {
      second = max;
      max = v;
    } else if (v > second) {
      second = v;
    }
  }
  return second;
}
