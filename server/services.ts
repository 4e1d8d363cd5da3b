// The pieces a running server is made of, handed to handlers, reconcilers and the testkit.

import type { AdmissionChain } from './admission/index.js';
import type { Credentials } from './auth/credentials.js';
import type { Clock } from './clock.js';
import type { GenericStore } from './registry/generic-store.js';
import type { Registry } from './registry/registry.js';
import type { NodeAPI } from './registry/types.js';
import type { MemoryStore } from './store/memory-store.js';
import type { WatchHub } from './watch/hub.js';

export interface Services {
  clock: Clock;
  registry: Registry;
  store: MemoryStore;
  /** The admission plugins every write through `objects` passes. */
  admission: AdmissionChain;
  /** The one write path. */
  objects: GenericStore;
  watches: WatchHub;
  /** The kubelets' API, for what kube-apiserver proxies to a node (pods/log). */
  nodes?: NodeAPI;
  /** Who bearer tokens belong to; the service account token issuer. */
  credentials: Credentials;
}
