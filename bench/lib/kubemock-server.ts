// A kubemock server in its own process (forked by children.ts), with in-process bulk writes through
// the same write path HTTP uses, so seeding thousands of objects takes no HTTP round trips.

import { startServer } from '../../server/server.js';
import { serveCommands } from './child-commands.js';
import { configMapJson } from './payload.js';

export interface KubemockServerOptions {
  certDir?: string;
  insecureHttp?: boolean;
}

export interface FillArgs {
  namespace: string;
  count: number;
  dataBytes: number;
  namePrefix: string;
}

const options: KubemockServerOptions = JSON.parse(process.argv[2] ?? '{}');
const server = await startServer({ port: 0, host: '127.0.0.1', certDir: options.certDir, insecureHttp: options.insecureHttp });
const configMaps = server.services.registry.find('', 'v1', 'configmaps');
if (!configMaps) throw new Error('kubemock has no v1 configmaps');

/** Creates ConfigMaps; returns the bytes of their stored serialization. */
function fill(args: FillArgs): number {
  let jsonBytes = 0;
  for (let i = 0; i < args.count; i++) {
    const body = JSON.parse(configMapJson({ name: `${args.namePrefix}${i}` }, args.dataBytes));
    jsonBytes += server.services.objects.create(configMaps!, args.namespace, body).json.length;
  }
  return jsonBytes;
}

serveCommands({ url: server.url, token: server.token }, { fill, watchers: () => server.services.watches.count });
