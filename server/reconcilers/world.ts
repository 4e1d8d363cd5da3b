// What the simulated machines are: the nodes kubemock's kubelets register, how their containers
// behave (kubelet stages), and the switches tests flip at run time (a node's heartbeat, a
// container's log lines). Controllers read it; the server and testkit change it.

import type { LogLine } from '../registry/types.js';
import type { KubeObject } from '../store/types.js';
import { KubeletStages, type KubeletStage } from './kubelet-stages.js';

export interface Taint {
  key: string;
  value?: string;
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
  timeAdded?: string;
}

/** One node a kubelet registers: everything is optional, defaults are a roomy linux/amd64 machine. */
export interface NodeShape {
  name?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  taints?: Taint[];
  /** Resource quantities; allocatable defaults to capacity. */
  capacity?: Record<string, string>;
  allocatable?: Record<string, string>;
  /** The node's InternalIP. */
  address?: string;
}

export const defaultCapacity: Record<string, string> = {
  cpu: '32',
  'ephemeral-storage': '100Gi',
  'hugepages-1Gi': '0',
  'hugepages-2Mi': '0',
  memory: '256Gi',
  pods: '110',
};

export interface ResolvedNode {
  name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  taints: Taint[];
  capacity: Record<string, string>;
  allocatable: Record<string, string>;
  address: string;
}

export function nodeName(index: number): string {
  return `kubemock-node-${index}`;
}

export function resolveNodes(nodes: number | NodeShape[] = 1): ResolvedNode[] {
  const shapes: NodeShape[] = typeof nodes === 'number' ? Array.from({ length: nodes }, () => ({})) : nodes;
  return shapes.map((shape, index) => {
    const name = shape.name ?? nodeName(index);
    const capacity = { ...defaultCapacity, ...shape.capacity };
    return {
      name,
      labels: {
        'beta.kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        ...shape.labels,
      },
      annotations: { 'volumes.kubernetes.io/controller-managed-attach-detach': 'true', ...shape.annotations },
      taints: shape.taints ?? [],
      capacity,
      allocatable: { ...capacity, ...shape.allocatable },
      address: shape.address ?? `172.18.${(index + 2) >> 8}.${(index + 2) & 255}`,
    };
  });
}

export interface WorldOptions {
  /** How many nodes to register (default 1), or their shapes. */
  nodes?: number | NodeShape[];
  kubeletStages?: KubeletStage[];
  /** Whether a dynamic provisioner serves the default StorageClass `standard` (off: none, as on a bare control plane). */
  storageProvisioner?: boolean;
}

type LogSource = (pod: KubeObject, container: string, previous: boolean) => LogLine[] | undefined;

/** Run-time switches shared by the controllers and the server's control calls. */
export class World {
  readonly nodes: ResolvedNode[];
  readonly stages: KubeletStages;
  readonly storageProvisioner: boolean;
  private readonly silent = new Set<string>();
  private readonly listeners = new Set<(node: string) => void>();
  private readonly logLines = new Map<string, string[]>();
  private logSource?: LogSource;

  constructor(options: WorldOptions = {}) {
    this.nodes = resolveNodes(options.nodes);
    this.stages = new KubeletStages(options.kubeletStages);
    this.storageProvisioner = options.storageProvisioner ?? false;
  }

  /** Replaces the kubelet stages; pods the kubelet admits from now on follow them. */
  setKubeletStages(stages: KubeletStage[]): void {
    this.stages.set(stages);
  }

  /** Sets what `kubectl logs` prints for a container (every container of the pod when none is named). */
  setLogs(namespace: string, pod: string, lines: string[], container?: string): void {
    this.logLines.set(`${namespace}/${pod}/${container ?? ''}`, lines);
  }

  /** The kubelet tells where log lines come from. */
  attachLogs(source: LogSource): void {
    this.logSource = source;
  }

  /** A container's log lines with their times, or undefined when that run of it does not exist. */
  logs(pod: KubeObject, container: string, previous: boolean): LogLine[] | undefined {
    const lines = this.logSource?.(pod, container, previous);
    if (!lines) return undefined;
    const { namespace, name } = pod.metadata;
    const set = this.logLines.get(`${namespace}/${name}/${container}`) ?? this.logLines.get(`${namespace}/${name}/`);
    if (!set || previous) return lines;
    const start = lines.length ? Date.parse(lines[0].time) : 0;
    return set.map((text, i) => ({ time: new Date(start + i).toISOString().replace('Z', '000000Z'), text }));
  }

  /** Whether a node's kubelet is alive: renewing its lease, posting status, running pods. */
  heartbeating(node: string): boolean {
    return !this.silent.has(node);
  }

  /** The node's kubelet goes quiet, as if the machine dropped off the network. */
  stopHeartbeat(node: string): void {
    this.silent.add(node);
    this.changed(node);
  }

  resumeHeartbeat(node: string): void {
    this.silent.delete(node);
    this.changed(node);
  }

  /** Tells controllers that something about `node` changed outside the store. */
  onChange(listener: (node: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(node: string): void {
    for (const listener of this.listeners) listener(node);
  }
}
