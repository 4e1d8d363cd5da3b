// What one request carries through the middleware chain.

import type { ParameterizedContext } from 'koa';
import type { RequestInfo } from './middleware/request-info.js';
import type { OutputFormat } from './middleware/negotiation.js';
import type { UserInfo } from './registry/types.js';
import type { Credentials } from './auth/credentials.js';
import type { RequestRecord } from './requests/log.js';
import type { Watcher } from './watch/hub.js';
import type { DecodedJson } from './json-decode.js';

export interface KubeState {
  requestId: string;
  /** When the request arrived, by the server's clock. */
  receivedAt: Date;
  info: RequestInfo;
  user: UserInfo;
  /** Token authentication and service account tokens (for token reviews and requests). */
  credentials: Credentials;
  output: OutputFormat;
  /** The raw body, once a handler has read it (for the request log). */
  requestBody?: Buffer;
  /** The stream a watch request opened. */
  watcher?: Watcher;
  /** The fault injected into this request, described. */
  fault?: string;
  /** Set when a fault dropped the connection without an answer. */
  connectionReset?: boolean;
  /** This request's entry in the request log, once it is written. */
  record?: RequestRecord;
  /** The request body as decoded from JSON, when it repeated fields (strict decoding reports them). */
  decodedBody?: DecodedJson;
}

export type KubeContext = ParameterizedContext<KubeState>;
