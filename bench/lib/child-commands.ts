// The child side of a bench server process: announce the URL, answer the parent's commands over IPC,
// and exit when the parent goes away so no server outlives its bench.

export interface ReadyMessage {
  type: 'ready';
  url: string;
  token?: string;
}

export interface CommandMessage {
  id: number;
  cmd: string;
  args: unknown;
}

export interface ReplyMessage {
  id: number;
  result?: unknown;
  error?: string;
}

// Each command declares its own argument type; the parent and child agree on it by name.
type Command = (args: never) => unknown;

export interface MemoryFigures {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  /** Memory held outside the V8 heap (Buffers and the like). */
  external: number;
  /** The most resident memory the process has held so far. */
  peakRss: number;
}

/** Memory after a full collection, so garbage from the load does not count. */
async function memoryAfterGc(): Promise<MemoryFigures> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
    gc();
  }
  const { rss, heapUsed, heapTotal, external } = process.memoryUsage();
  return { rss, heapUsed, heapTotal, external, peakRss: process.resourceUsage().maxRSS * 1024 };
}

/** Resident set size after a full collection. */
async function residentAfterGc(): Promise<number> {
  return (await memoryAfterGc()).rss;
}

/** CPU time this process has used, user plus system, in microseconds. */
function cpuMicros(): number {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
}

export function serveCommands(ready: Omit<ReadyMessage, 'type'>, commands: Record<string, Command>): void {
  const all: Record<string, Command> = { rss: residentAfterGc, memory: memoryAfterGc, cpu: cpuMicros, ...commands };
  process.on('message', async (message: CommandMessage) => {
    const reply: ReplyMessage = { id: message.id };
    try {
      const command = all[message.cmd];
      if (!command) throw new Error(`unknown command ${message.cmd}`);
      reply.result = await command(message.args as never);
    } catch (err) {
      reply.error = (err as Error).stack ?? String(err);
    }
    process.send!(reply);
  });
  process.on('disconnect', () => process.exit(0));
  process.send!({ type: 'ready', ...ready } satisfies ReadyMessage);
}
