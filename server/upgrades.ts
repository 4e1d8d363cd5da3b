// Upgrade requests (websocket, SPDY) reach the Koa app like any other request, answered through a
// response on their socket; a handler that switches protocols takes the socket over (takeUpgrade).
// Upgraded connections are not the HTTP server's to close, so they are tracked here.

import http from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

export interface PendingUpgrade {
  socket: Duplex;
  head: Buffer;
}

const pending = new WeakMap<http.IncomingMessage, PendingUpgrade>();

export class UpgradeBridge {
  private readonly open = new Set<Duplex>();

  constructor(server: http.Server, handler: (req: http.IncomingMessage, res: http.ServerResponse) => void) {
    server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      this.open.add(socket);
      socket.once('close', () => this.open.delete(socket));
      socket.on('error', () => socket.destroy());
      pending.set(req, { socket, head });
      const res = new http.ServerResponse(req);
      // The HTTP parser has let go of the socket: one response, then the connection ends.
      res.shouldKeepAlive = false;
      res.assignSocket(socket as Socket);
      res.once('finish', () => {
        res.detachSocket(socket as Socket);
        socket.end();
      });
      handler(req, res);
    });
  }

  /** Ends every upgraded connection (the server is closing). */
  closeAll(): void {
    for (const socket of this.open) socket.destroy();
  }
}

/** The connection of an upgrade request, for the handler that switches its protocol; once only. */
export function takeUpgrade(req: http.IncomingMessage): PendingUpgrade | undefined {
  const upgrade = pending.get(req);
  pending.delete(req);
  return upgrade;
}
