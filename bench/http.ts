/**
 * A small keep-alive HTTP/1.1 client for the bench: node:http with one pooled socket per worker
 * slot, because the client shares the machine's cores with workerd and must cost little per request.
 */
import { Agent, request } from 'node:http';

/** A finished request: status, body text and how long it took (ms, send to last byte). */
export interface HttpResult {
  status: number;
  body: string;
  ms: number;
}

/** Requests against one origin (`http://127.0.0.1:port`) over at most `sockets` kept-alive connections. */
export class HttpClient {
  readonly #agent: Agent;
  readonly #host: string;
  readonly #port: number;
  readonly #headers: Record<string, string>;

  constructor(origin: string, sockets: number, headers: Record<string, string> = {}) {
    const url = new URL(origin);
    if (url.hostname !== '127.0.0.1') throw new Error(`the bench only talks to 127.0.0.1, not ${url.hostname}`);
    this.#host = url.hostname;
    this.#port = Number(url.port);
    this.#headers = headers;
    this.#agent = new Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets });
  }

  /** Sends one request; `body` is JSON-encoded as `application/scim+json`. Rejects after `timeoutMs`. */
  send(method: string, path: string, body?: unknown, timeoutMs = 30_000): Promise<HttpResult> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = { accept: 'application/scim+json', ...this.#headers };
    if (payload !== undefined) {
      headers['content-type'] = 'application/scim+json; charset=utf-8';
      headers['content-length'] = String(Buffer.byteLength(payload));
    }
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const req = request({ host: this.#host, port: this.#port, method, path, headers, agent: this.#agent, timeout: timeoutMs }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, ms: performance.now() - started }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out after ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** Closes the pooled connections. */
  close(): void {
    this.#agent.destroy();
  }
}
