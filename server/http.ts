// Writes a response body with an exact Content-Type (Koa would append a charset to JSON types,
// which client-go's discovery does not expect).

export interface Writable {
  status: number;
  body: unknown;
  set(field: string, value: string): void;
}

export function sendBody(ctx: Writable, status: number, body: string, contentType = 'application/json'): void {
  ctx.status = status;
  ctx.set('Content-Type', contentType);
  ctx.body = body;
}

/** A JSON body as kube-apiserver's encoder writes it: followed by a newline. */
export function sendJson(ctx: Writable, status: number, json: string, contentType = 'application/json'): void {
  sendBody(ctx, status, `${json}\n`, contentType);
}
