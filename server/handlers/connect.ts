// CONNECT subresources (pods/exec, attach, portforward and the proxies). Admission and the kind's
// connector find the backend; nothing listens there (kubemock's kubelets and pods have no network
// endpoints), so the request is answered as kube-apiserver answers a refused connection: its
// upgrade-aware proxy's errors, and for websocket clients of the v5 channel protocol (kubectl exec,
// attach, cp) its stream translator's upgrade, then the failure on the error channel.

import { setTimeout } from 'node:timers';
import type { WebSocket, WebSocketServer } from 'ws';
import type { KubeContext } from '../context.js';
import { errors, StatusError } from '../errors.js';
import type { ConnectLocation, Connector, ResourceDefinition } from '../registry/types.js';
import type { Services } from '../services.js';
import { takeUpgrade } from '../upgrades.js';

const streamProtocolV5 = 'v5.channel.k8s.io';
const errorChannel = 3;
/**
 * kube-apiserver writes the error only after its dial to the kubelet fails. client-go reads frames
 * before it has made its streams and drops those of streams it does not have yet, so the error
 * waits about as long as that dial takes on a busy machine.
 */
const kubeletDialMs = 10;

/** httpstream.IsUpgradeRequest: a Connection header naming upgrade. */
function isUpgradeRequest(ctx: KubeContext): boolean {
  return (ctx.get('connection') ?? '').toLowerCase().includes('upgrade');
}

function offersStreamProtocolV5(ctx: KubeContext): boolean {
  if (ctx.get('upgrade').toLowerCase() !== 'websocket' || !isUpgradeRequest(ctx)) return false;
  return ctx.get('sec-websocket-protocol').split(',').some((p) => p.trim() === streamProtocolV5);
}

/** The path after the subresource as kube-apiserver hands it on: a leading slash, the request's trailing slash kept. */
function subpath(ctx: KubeContext): string {
  const rest = ctx.state.info.subpath;
  let path = rest ? `/${rest}` : '';
  if (ctx.path.endsWith('/') && !path.endsWith('/')) path += '/';
  return path;
}

/** JSON as Go's encoder writes it: <, > and & escaped. */
function goJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

let websocketServer: Promise<WebSocketServer> | undefined;

/** Loaded on first use: most servers never see a websocket. */
function websockets(): Promise<WebSocketServer> {
  websocketServer ??= import('ws').then(
    ({ WebSocketServer }) =>
      new WebSocketServer({
        noServer: true,
        perMessageDeflate: false,
        handleProtocols: (offered: Set<string>) => (offered.has(streamProtocolV5) ? streamProtocolV5 : false),
      }),
  );
  return websocketServer;
}

/**
 * The stream translator: upgrades, writes the empty first frame on the first stream asked for, then
 * the SPDY connection to the kubelet fails and its error goes out on the error channel.
 */
async function translateStreams(ctx: KubeContext, location: ConnectLocation, refused: string): Promise<void> {
  const upgrade = takeUpgrade(ctx.req);
  if (!upgrade) throw new StatusError(500, undefined, `error dialing backend: ${refused}`);
  const server = await websockets();
  const streams = location.streams!;
  ctx.respond = false;
  ctx.status = 101;
  server.handleUpgrade(ctx.req, upgrade.socket, upgrade.head, (ws: WebSocket) => {
    const first = streams.stdout ? 1 : streams.stderr ? 2 : errorChannel;
    const cause = `error sending request: Post ${JSON.stringify(location.url)}: ${refused}`;
    const status = {
      metadata: {},
      status: 'Failure',
      message: `Internal error occurred: ${cause}`,
      reason: 'InternalError',
      details: { causes: [{ message: cause }] },
      code: 500,
    };
    ws.send(Buffer.from([first]));
    setTimeout(() => {
      ws.send(Buffer.concat([Buffer.from([errorChannel]), Buffer.from(goJson(status))]));
      // Closed as kube-apiserver's websocket closes: the close frame, then the connection at once.
      ws.close(1000);
      upgrade.socket.end();
    }, kubeletDialMs);
  });
}

export async function connectSubresource(
  ctx: KubeContext,
  services: Services,
  def: ResourceDefinition,
  namespace: string,
  name: string,
  subresource: string,
  connector: Connector,
): Promise<void> {
  if (ctx.state.info.subpath && !connector.takesPath) throw errors.notFoundPath();
  if (!connector.methods.includes(ctx.method)) throw errors.methodNotAllowed();
  const options = connector.options(new URLSearchParams(ctx.querystring), connector.takesPath ? subpath(ctx) : '');
  const location = services.objects.connect(def, namespace, name, subresource, options, { user: ctx.state.user });
  const refused = `dial tcp ${location.dialAddress}: connect: connection refused`;
  if (location.streams && offersStreamProtocolV5(ctx)) return translateStreams(ctx, location, refused);
  if (isUpgradeRequest(ctx)) throw new StatusError(500, undefined, `error dialing backend: ${refused}`);
  if (location.upgradeRequired) throw errors.badRequest('Upgrade request required');
  // An empty proxied path is redirected to "/" first (kube-apiserver's answer to issue 4958).
  if (!options.path && (ctx.method === 'GET' || ctx.method === 'HEAD')) {
    ctx.body = null;
    ctx.status = 301;
    ctx.set('Location', `${ctx.path}/${ctx.querystring ? `?${ctx.querystring}` : ''}`);
    return;
  }
  throw new StatusError(503, 'ServiceUnavailable', `error trying to reach service: ${refused}`);
}
