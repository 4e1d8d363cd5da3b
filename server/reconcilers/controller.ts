// What a controller is: the objects it watches (For/Owns/Watches, as controller-runtime's builder
// declares them) and a level-triggered reconcile of one key. The runner (runner.ts) does the rest.

import type { UserInfo } from '../registry/types.js';
import type { Services } from '../services.js';
import type { StoreEvent } from '../store/memory-store.js';
import type { ControllerClient } from './client.js';
import type { OwnerIndex } from './owner-index.js';
import type { World } from './world.js';

export interface ReconcileResult {
  /** Reconcile this key again after this many milliseconds of the clock (a grace period, a lease to renew). */
  requeueAfterMs?: number;
  /**
   * How much later than requeueAfterMs the key may run (a kubelet's jitter, a controller's polling
   * period): keys whose windows meet share one wakeup. On a clock without timer slack (the manual
   * one) the key runs on time.
   */
  slackMs?: number;
}

/**
 * A ReconcileResult made by a constructor, for the requeues a controller returns by the thousand (the
 * kubelets'). Object literals of the same keys share their map: once one of them stores a number of
 * another representation (a heap number where small integers were), V8 deprecates that map, and a
 * literal site that goes on making objects of the old map has the runner's optimized code deoptimize
 * on every one of them, over and over (twice the idle CPU, measured).
 */
export class Requeue implements ReconcileResult {
  constructor(
    readonly requeueAfterMs: number,
    readonly slackMs?: number,
  ) {}
}

export type Reconcile = (key: string) => ReconcileResult | void;

/** Maps events on one resource to the keys of the controller they concern. */
export interface WatchSource {
  /** A store resource key: `pods`, `apps/deployments`, `coordination.k8s.io/leases`; `*` is every resource. */
  resource: string;
  map(event: StoreEvent): Iterable<string>;
}

export interface Controller {
  /** The primary resource: every object of it is reconciled under its store key (`namespace/name` or `name`). */
  for?: string;
  /** Resources whose controller ownerReference points at an object of the primary kind: events map to that owner's key. */
  owns?: string[];
  /** Other sources. */
  watches?: WatchSource[];
  /** Keys to reconcile at start besides every object of the primary resource. */
  initialKeys?(): Iterable<string>;
  reconcile: Reconcile;
  /** Lets go of anything outside the store the controller listens to. */
  stop?(): void;
}

/** Who a controller acts as: the user its requests carry and the field manager of its writes. */
export interface Identity {
  user: UserInfo;
  fieldManager: string;
}

/** A kube-system service account's identity, as a controller running in the cluster with its token has it. */
export function kubeSystemServiceAccountIdentity(serviceAccount: string, fieldManager: string): Identity {
  return {
    user: {
      username: `system:serviceaccount:kube-system:${serviceAccount}`,
      uid: '',
      groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'],
    },
    fieldManager,
  };
}

/** The way kube-controller-manager's controllers authenticate with --use-service-account-credentials. */
export function controllerManagerIdentity(serviceAccount: string): Identity {
  return kubeSystemServiceAccountIdentity(serviceAccount, 'kube-controller-manager');
}

export const schedulerIdentity: Identity = {
  user: { username: 'system:kube-scheduler', uid: '', groups: ['system:authenticated'] },
  fieldManager: 'kube-scheduler',
};

export function kubeletIdentity(nodeName: string): Identity {
  return { user: { username: `system:node:${nodeName}`, uid: '', groups: ['system:nodes', 'system:authenticated'] }, fieldManager: 'kubelet' };
}

/** PEM of the cluster CA's certificate and private key. */
export interface ClusterCA {
  cert: string;
  key: string;
}

/** What a controller is built from. */
export interface ControllerEnv {
  services: Services;
  /** A client that writes through the generic store as `identity`. */
  client(identity: Identity): ControllerClient;
  /** Dependents by owner UID, kept by the runner for every resource. */
  owners: OwnerIndex;
  /** This controller's own queue, for keys found outside its watches. */
  queue: { enqueue(key: string): void; enqueueAfter(key: string, ms: number): void };
  /** The cluster CA: the root CA publisher hands out its certificate, the CSR signer signs with its key. */
  ca?: ClusterCA;
  /** The simulated machines and the switches tests flip. */
  world: World;
}

/** A controller as the catalog lists it: its kube-controller-manager style name, aliases and constructor. */
export interface ControllerDescriptor {
  name: string;
  aliases?: string[];
  create(env: ControllerEnv): Controller;
}
