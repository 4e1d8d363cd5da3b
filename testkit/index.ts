// The public test API: start kubemock in process and get what a client needs to reach it.

import { startServer, type RunningServer, type ServerOptions } from '../server/server.js';

export type { RunningServer, ServerOptions };
export { ManualClock, type Clock } from '../server/clock.js';
export type { KubeletStage } from '../server/reconcilers/kubelet-stages.js';
export type { NodeShape } from '../server/reconcilers/world.js';

/** Starts kubemock on a free loopback port; `close()` it when done. */
export function startKubemock(options: ServerOptions = {}): Promise<RunningServer> {
  return startServer({ port: 0, ...options });
}
