// pods/log: kube-apiserver checks the PodLogOptions and picks the container, then streams what the
// node's kubelet answers (tailLines, sinceSeconds/sinceTime, timestamps, limitBytes, previous,
// follow). Errors read as kube-apiserver and the kubelet word them.

import { errors, field, type FieldError } from '../../errors.js';
import type { KubeObject } from '../../store/types.js';
import type { LogLine, SubresourceReadRequest, SubresourceReadResult } from '../types.js';
import { chooseContainer, kubeletAddress } from './connect.js';

type Json = Record<string, any>;

interface LogOptions {
  container?: string;
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  tailLines?: number;
  sinceSeconds?: number;
  sinceTime?: string;
  limitBytes?: number;
}

function readOptions(name: string, query: URLSearchParams): LogOptions {
  const flag = (key: string) => {
    const value = query.get(key);
    if (value === null || value === '') return false;
    if (value === 'true' || value === 'false') return value === 'true';
    throw errors.badRequest(`strconv.ParseBool: parsing "${value}": invalid syntax`);
  };
  const integer = (key: string) => {
    const value = query.get(key);
    if (value === null || value === '') return undefined;
    if (!/^-?\d+$/.test(value)) throw errors.badRequest(`strconv.ParseInt: parsing "${value}": invalid syntax`);
    return Number(value);
  };
  const options: LogOptions = {
    container: query.get('container') || undefined,
    follow: flag('follow'),
    previous: flag('previous'),
    timestamps: flag('timestamps'),
    tailLines: integer('tailLines'),
    sinceSeconds: integer('sinceSeconds'),
    sinceTime: query.get('sinceTime') || undefined,
    limitBytes: integer('limitBytes'),
  };
  const problems: FieldError[] = [];
  if (options.tailLines !== undefined && options.tailLines < 0) problems.push(field.invalid('tailLines', options.tailLines, 'must be greater than or equal to 0'));
  if (options.limitBytes !== undefined && options.limitBytes < 1) problems.push(field.invalid('limitBytes', options.limitBytes, 'must be greater than 0'));
  if (options.sinceSeconds !== undefined && options.sinceTime !== undefined) problems.push(field.forbidden('', 'at most one of `sinceTime` or `sinceSeconds` may be specified'));
  else if (options.sinceSeconds !== undefined && options.sinceSeconds < 1) problems.push(field.invalid('sinceSeconds', options.sinceSeconds, 'must be greater than 0'));
  if (query.has('stream')) problems.push(field.forbidden('stream', 'may not be specified'));
  if (options.sinceTime !== undefined && Number.isNaN(Date.parse(options.sinceTime))) throw errors.badRequest(`parsing time "${options.sinceTime}" as "2006-01-02T15:04:05Z07:00": cannot parse "${options.sinceTime}" as "2006"`);
  if (problems.length) throw errors.invalid({ group: '', kind: 'PodLogOptions' }, name, problems);
  return options;
}

/** The kubelet's refusal for a container that has no log of the asked-for run yet. */
function kubeletRefusal(pod: KubeObject, container: string, previous: boolean): string {
  const status = (pod.status ?? {}) as Json;
  const statuses: Json[] = [...(status.containerStatuses ?? []), ...(status.initContainerStatuses ?? []), ...(status.ephemeralContainerStatuses ?? [])];
  const c = statuses.find((s) => s.name === container);
  const where = `container "${container}" in pod "${pod.metadata.name}"`;
  if (!c) return `${where} is not available`;
  if (previous) return `previous terminated ${where} not found`;
  const waiting = c.state?.waiting;
  if (c.state?.terminated) return `${where} is terminated`;
  if (waiting?.reason === 'ErrImagePull') return `${where} is waiting to start: image can't be pulled`;
  if (waiting?.reason === 'ImagePullBackOff') return `${where} is waiting to start: trying and failing to pull image`;
  if (waiting) return `${where} is waiting to start: ${waiting.reason}`;
  return `${where} is waiting to start - no logs yet`;
}

function render(lines: LogLine[], options: LogOptions, now: Date): string {
  let selected = lines;
  const since = options.sinceSeconds !== undefined ? now.getTime() - options.sinceSeconds * 1000 : options.sinceTime !== undefined ? Date.parse(options.sinceTime) : undefined;
  if (since !== undefined) selected = selected.filter((l) => Date.parse(l.time) >= since);
  if (options.tailLines !== undefined) selected = options.tailLines === 0 ? [] : selected.slice(-options.tailLines);
  let body = selected.map((l) => `${options.timestamps ? `${l.time} ` : ''}${l.text}\n`).join('');
  if (options.limitBytes !== undefined) {
    const bytes = Buffer.from(body);
    if (bytes.length > options.limitBytes) body = bytes.subarray(0, options.limitBytes).toString();
  }
  return body;
}

function runningContainerID(pod: KubeObject | undefined, container: string): string | undefined {
  const status = (pod?.status ?? {}) as Json;
  const c = [...(status.containerStatuses ?? []), ...(status.initContainerStatuses ?? [])].find((s: Json) => s.name === container);
  return c?.state?.running ? c.containerID : undefined;
}

export function readPodLog(request: SubresourceReadRequest): SubresourceReadResult {
  const pod = request.parent;
  const options = readOptions(pod.metadata.name ?? '', request.query);
  const container = chooseContainer(pod, options.container);
  // A pod no node runs yet has nothing to show; a node that is gone or has no address has no kubelet to ask.
  const nodeName = (pod.spec as Json | undefined)?.nodeName;
  if (!nodeName) return { noContent: true, contentType: '', body: '' };
  kubeletAddress(request.lookup, nodeName, 'pods');
  if (!request.nodes) return { contentType: 'text/plain', body: '' };
  const lines = request.nodes.containerLogs(pod, container, options.previous);
  if (!lines) throw errors.badRequest(kubeletRefusal(pod, container, options.previous));
  const result: SubresourceReadResult = { contentType: 'text/plain', body: render(lines, options, request.now) };
  const running = runningContainerID(pod, container);
  if (options.follow && !options.previous && running) {
    // The stream ends when that run of the container stops, as the kubelet's follow does.
    result.follow = (_write, end) => {
      const stop = request.watchParent((next) => {
        if (runningContainerID(next, container) !== running) {
          stop();
          end();
        }
      });
      return stop;
    };
  }
  return result;
}
