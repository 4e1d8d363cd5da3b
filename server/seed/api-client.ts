// A small API client for writing objects over the API like any client, so they meet the same
// defaulting, validation, admission, pruning and server-side apply.

import http from 'node:http';
import https from 'node:https';

export interface ApiResponse {
  status: number;
  body: string;
}

export class ApiClient {
  private readonly agent: http.Agent;

  constructor(
    private readonly url: string,
    private readonly token: string,
    caCert: string | undefined,
    private readonly userAgent: string,
  ) {
    this.agent = url.startsWith('https:') ? new https.Agent({ keepAlive: true, ca: caCert }) : new http.Agent({ keepAlive: true });
  }

  request(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<ApiResponse> {
    const target = new URL(path, this.url);
    const transport = target.protocol === 'https:' ? https : http;
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = transport.request(
        target,
        {
          method,
          agent: this.agent,
          headers: {
            Authorization: `Bearer ${this.token}`,
            Accept: 'application/json',
            'User-Agent': this.userAgent,
            ...(payload ? { 'Content-Type': contentType, 'Content-Length': String(payload.length) } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
