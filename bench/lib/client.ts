// A minimal HTTP(S) client for the load loops: fixed host, keep-alive agent, whole body buffered.

import http from 'node:http';
import https from 'node:https';

export interface Reply {
  status: number;
  body: Buffer;
}

/** A server the benches talk to; only ever 127.0.0.1. */
export class Target {
  readonly agent: http.Agent;
  private readonly transport: typeof http | typeof https;
  private readonly hostname: string;
  private readonly port: number;
  private readonly token?: string;

  constructor(
    readonly url: string,
    options: { maxSockets: number; ca?: string; token?: string },
  ) {
    this.token = options.token;
    const parsed = new URL(url);
    if (parsed.hostname !== '127.0.0.1') throw new Error(`bench traffic stays on 127.0.0.1, not ${parsed.hostname}`);
    this.hostname = parsed.hostname;
    this.port = Number(parsed.port);
    const secure = parsed.protocol === 'https:';
    this.transport = secure ? https : http;
    this.agent = secure
      ? new https.Agent({ keepAlive: true, maxSockets: options.maxSockets, ca: options.ca })
      : new http.Agent({ keepAlive: true, maxSockets: options.maxSockets });
  }

  /** Starts a request; the caller writes the body (if any) and reads the response. */
  open(method: string, path: string, headers: Record<string, string> = {}): http.ClientRequest {
    return this.transport.request({
      hostname: this.hostname,
      port: this.port,
      method,
      path,
      agent: this.agent,
      headers: { Accept: 'application/json', ...(this.token ? { Authorization: `Bearer ${this.token}` } : {}), ...headers },
    });
  }

  send(method: string, path: string, body?: string): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const req = this.open(method, path, body === undefined ? {} : { 'Content-Type': 'application/json' });
      // Bounds every request, so a stuck server cannot hold a load loop forever.
      req.setTimeout(10_000, () => req.destroy(new Error(`${method} ${path} timed out`)));
      req.on('error', reject);
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
