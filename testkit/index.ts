// The public test API: start kubemock in process and drive it from a test.

export {
  Kubemock,
  startKubemock,
  UnexpectedRequestsError,
  WaitTimeoutError,
  type ApplyOptions,
  type Condition,
  type Fault,
  type FaultControl,
  type FaultLimit,
  type FaultMatch,
  type FaultSpec,
  type KubemockOptions,
  type ObjectLike,
  type ObjectRef,
  type RequestFilter,
  type RequestLogView,
  type RequestRecord,
  type WaitOptions,
} from './cluster.js';
export type { ManifestSource } from '../server/seed/manifests.js';
export type { KubeObject, ObjectMeta } from '../server/store/types.js';
export { ManualClock, durationMs, type Clock, type Duration } from '../server/clock.js';
export type { KubeletStage } from '../server/reconcilers/kubelet-stages.js';
export type { NodeShape } from '../server/reconcilers/world.js';
