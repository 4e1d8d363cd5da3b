// A raw watch stream: opens ?watch=true over HTTP(S) and collects the newline-delimited events.

import http from 'node:http';
import https from 'node:https';
import type { RunningServer } from '../../server/server.js';

export interface WatchEventFrame {
  type: string;
  object: any;
}

export class WatchStream {
  readonly events: WatchEventFrame[] = [];
  statusCode = 0;
  headers: http.IncomingHttpHeaders = {};
  ended = false;
  private buffer = '';
  private waiters: Array<() => void> = [];
  private request?: http.ClientRequest;
  response?: http.IncomingMessage;

  static open(server: RunningServer, path: string, headers: Record<string, string> = {}): Promise<WatchStream> {
    const stream = new WatchStream();
    return stream.start(server, path, headers).then(() => stream);
  }

  private start(server: RunningServer, path: string, headers: Record<string, string>): Promise<void> {
    const url = new URL(path, server.url);
    const transport = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      this.request = transport.get(url, { headers: { Authorization: `Bearer ${server.token}`, ...headers }, ca: server.caCert, agent: false }, (res) => {
        this.response = res;
        this.statusCode = res.statusCode ?? 0;
        this.headers = res.headers;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => this.receive(chunk));
        res.on('end', () => {
          this.ended = true;
          this.wake();
        });
        res.on('error', () => {
          this.ended = true;
          this.wake();
        });
        resolve();
      });
      this.request.on('error', reject);
    });
  }

  /** The raw body text for non-200 answers. */
  body = '';

  private receive(chunk: string): void {
    if (this.statusCode !== 200) {
      this.body += chunk;
      return;
    }
    this.buffer += chunk;
    let newline: number;
    while ((newline = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, newline);
      this.buffer = this.buffer.slice(newline + 1);
      if (line.trim()) this.events.push(JSON.parse(line));
    }
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** Resolves once `count` events have arrived (or the stream ended). */
  async waitForEvents(count: number, timeoutMs = 5000): Promise<WatchEventFrame[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.events.length < count && !this.ended) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`expected ${count} watch events, got ${this.events.length}: ${JSON.stringify(this.events.map((e) => e.type))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.events;
  }

  async waitForEnd(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.ended) {
      if (Date.now() > deadline) throw new Error('watch stream did not end');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  close(): void {
    this.request?.destroy();
  }
}
