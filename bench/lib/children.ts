// The parent side: fork a bench server (kubemock or the bare-Node baseline) into its own process, so
// the load generator never shares its event loop, and talk to it over IPC.

import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { CommandMessage, ReadyMessage, ReplyMessage } from './child-commands.js';

const running = new Set<ChildProcess>();
// Never leave a server behind, even when a bench throws.
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export type ServerScript = 'kubemock-server' | 'baseline-server' | 'cluster-server';

export class ServerChild {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (err: Error) => void }>();

  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    readonly token: string | undefined,
  ) {
    child.on('message', (message: ReplyMessage) => {
      const waiter = this.pending.get(message.id);
      if (!waiter) return;
      this.pending.delete(message.id);
      if (message.error !== undefined) waiter.reject(new Error(message.error));
      else waiter.resolve(message.result);
    });
    child.on('exit', () => {
      for (const waiter of this.pending.values()) waiter.reject(new Error('bench server exited'));
      this.pending.clear();
    });
  }

  /** Starts the server script with --expose-gc, so resident-memory figures are taken after a collection. */
  static start(script: ServerScript, options: object): Promise<ServerChild> {
    const path = fileURLToPath(new URL(`./${script}.js`, import.meta.url));
    const child = fork(path, [JSON.stringify(options)], { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    running.add(child);
    child.on('exit', () => running.delete(child));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`${script} did not become ready in 15 s`));
      }, 15_000);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${script} exited with ${code} before it was ready`));
      });
      child.once('message', (message: ReadyMessage) => {
        clearTimeout(timer);
        resolve(new ServerChild(child, message.url, message.token));
      });
    });
  }

  call<T>(cmd: string, args: object = {}): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.child.send({ id, cmd, args } satisfies CommandMessage);
    });
  }

  residentBytes(): Promise<number> {
    return this.call<number>('rss');
  }

  cpuMicros(): Promise<number> {
    return this.call<number>('cpu');
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    const force = setTimeout(() => this.child.kill('SIGKILL'), 2_000);
    await exited;
    clearTimeout(force);
  }
}
