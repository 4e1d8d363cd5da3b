// What one request carries through the middleware chain.

import type { ParameterizedContext } from 'koa';
import type { RequestInfo } from './middleware/request-info.js';
import type { OutputFormat } from './middleware/negotiation.js';
import type { UserInfo } from './registry/types.js';
import type { Credentials } from './auth/credentials.js';

export interface KubeState {
  requestId: string;
  /** When the request arrived, by the server's clock. */
  receivedAt: Date;
  info: RequestInfo;
  user: UserInfo;
  /** Token authentication and service account tokens (for token reviews and requests). */
  credentials: Credentials;
  output: OutputFormat;
}

export type KubeContext = ParameterizedContext<KubeState>;
