// The bare-Node baseline (forked by children.ts): the least work an HTTP(S) server can do for the same
// exchanges. GET answers a fixed body; GET /watch holds the response open; PUT writes its body to every
// open /watch response and echoes it.

import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { serveCommands } from './child-commands.js';

export interface BaselineServerOptions {
  /** PEMs; plain HTTP without them. */
  tls?: { key: string; cert: string };
}

const options: BaselineServerOptions = JSON.parse(process.argv[2] ?? '{}');
let fixedBody = Buffer.from('{}');
const watchers = new Set<ServerResponse>();

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method === 'GET' && req.url?.startsWith('/watch')) {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
    res.flushHeaders();
    watchers.add(res);
    res.on('close', () => watchers.delete(res));
    return;
  }
  let body: Buffer = fixedBody;
  if (req.method === 'PUT') {
    body = await readBody(req);
    for (const watcher of watchers) watcher.write(body);
  } else {
    req.resume();
  }
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': body.length });
  res.end(body);
}

const listener = (req: IncomingMessage, res: ServerResponse) => void handle(req, res);
const server = options.tls ? https.createServer({ key: options.tls.key, cert: options.tls.cert }, listener) : http.createServer(listener);
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => {
  const port = (server.address() as AddressInfo).port;
  serveCommands(
    { url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}` },
    {
      setBody: (args: { body: string }) => {
        fixedBody = Buffer.from(args.body);
      },
    },
  );
});
