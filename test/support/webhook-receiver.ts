/**
 * A real webhook receiver on 127.0.0.1: verifies every delivery with the `standardwebhooks`
 * package (as a SaaS backend would) and records it; how it answers is the test's to choose, per
 * request, so outages are scripted, never timed.
 */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { closeServer, readBody } from './node-http.ts';

export interface Delivery {
  id: string;
  seq?: number;
  type: string;
  body: Record<string, unknown>;
  headers: IncomingHttpHeaders;
  /** When it arrived (ms since the epoch; the Worker shares this machine's clock). */
  receivedAt: number;
}

/** How the receiver answers one delivery: a status, or `hang` (never answers: the sender's timeout). */
export type Answer = number | 'hang';

export interface Receiver {
  url: string;
  /** Deliveries that verified and were answered 2xx, in arrival order. */
  accepted: Delivery[];
  /** Every delivery that verified, whatever the answer. */
  attempts: Delivery[];
  /** Signatures that did not verify with any secret (must stay empty). */
  rejected: string[];
  /** Secrets a delivery may be signed with (a rotation adds one). */
  secrets: string[];
  /** Decides each answer (default 204). */
  answer: (delivery: Delivery) => Answer;
  /** Resolves once `predicate` holds for `accepted` (checked after each delivery). */
  until(predicate: (accepted: Delivery[]) => boolean): Promise<void>;
  /** Stops listening (connections refused) until `start()`, on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

function headerRecord(headers: IncomingHttpHeaders): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]));
}

export async function startReceiver(secret: string): Promise<Receiver> {
  let server: Server;
  const hanging = new Set<ServerResponse>();
  const waiters: { predicate: (accepted: Delivery[]) => boolean; resolve: () => void }[] = [];
  const receiver: Receiver = {
    url: '',
    accepted: [],
    attempts: [],
    rejected: [],
    secrets: [secret],
    answer: () => 204,
    until: (predicate) => new Promise<void>((resolve) => (predicate(receiver.accepted) ? resolve() : waiters.push({ predicate, resolve }))),
    stop: () => closeServer(server),
    start: () => new Promise<void>((resolve) => (server = listener()).listen(port, '127.0.0.1', resolve)),
    close: async () => {
      for (const res of hanging) res.destroy();
      await closeServer(server);
    },
  };
  const listener = () =>
    createServer(async (req, res) => {
      const body = await readBody(req);
      const receivedAt = Date.now();
      const verified = receiver.secrets.some((s) => {
        try {
          new Webhook(s).verify(body, headerRecord(req.headers));
          return true;
        } catch {
          return false;
        }
      });
      if (!verified) {
        receiver.rejected.push(String(req.headers['webhook-id']));
        res.writeHead(401).end();
        return;
      }
      const parsed = JSON.parse(body) as Record<string, unknown>;
      const delivery: Delivery = { id: String(parsed.id), type: String(parsed.type), body: parsed, headers: req.headers, receivedAt, ...(typeof parsed.seq === 'number' ? { seq: parsed.seq } : {}) };
      receiver.attempts.push(delivery);
      const answer = receiver.answer(delivery);
      if (answer === 'hang') {
        hanging.add(res);
        return;
      }
      res.writeHead(answer).end();
      if (answer >= 200 && answer < 300) {
        receiver.accepted.push(delivery);
        for (const waiter of [...waiters]) {
          if (waiter.predicate(receiver.accepted)) {
            waiters.splice(waiters.indexOf(waiter), 1);
            waiter.resolve();
          }
        }
      }
    });
  server = listener();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  receiver.url = `http://127.0.0.1:${port}/hooks`;
  return receiver;
}

/** The seqs of `deliveries`, each event counted once (a redelivery repeats an id, never a new seq out of order). */
export function firstArrivals(deliveries: Delivery[]): number[] {
  const seen = new Set<string>();
  return deliveries.filter((d) => d.seq !== undefined && !seen.has(d.id) && seen.add(d.id)).map((d) => d.seq!);
}
