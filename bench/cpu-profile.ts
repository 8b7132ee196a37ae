/**
 * V8 CPU profiles of workerd's isolates over the inspector protocol: where a request's CPU goes,
 * in our Worker and in the local D1 simulator, per request.
 */

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** One isolate's busy time and its hottest functions (self time). */
export interface IsolateProfile {
  target: string;
  busyMs: number;
  top: { fn: string; selfMs: number }[];
}

/** A connection to one inspector target (one workerd isolate). */
class InspectorSession {
  readonly #socket: WebSocket;
  readonly #pending = new Map<number, (result: unknown) => void>();
  #nextId = 1;

  private constructor(socket: WebSocket) {
    this.#socket = socket;
    socket.addEventListener('message', (event) => {
      const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown; error?: unknown };
      if (message.id !== undefined) this.#pending.get(message.id)?.(message.result ?? message.error);
    });
  }

  static open(url: string): Promise<InspectorSession> {
    const socket = new WebSocket(url);
    return new Promise((resolve, reject) => {
      socket.addEventListener('open', () => resolve(new InspectorSession(socket)));
      socket.addEventListener('error', () => reject(new Error(`cannot open inspector ${url}`)));
    });
  }

  send<T>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = this.#nextId++;
    this.#socket.send(JSON.stringify({ id, method, params }));
    return new Promise((resolve) => this.#pending.set(id, (r) => resolve(r as T)));
  }

  close(): void {
    this.#socket.close();
  }
}

const IDLE = new Set(['(idle)', '(program)']);

function summarize(target: string, profile: Profile, topN: number): IsolateProfile {
  const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let busyUs = 0;
  profile.samples.forEach((nodeId, i) => {
    const frame = byNode.get(nodeId)!.callFrame;
    const us = profile.timeDeltas[i] ?? 0;
    if (IDLE.has(frame.functionName)) return;
    busyUs += us;
    const file = frame.url.split('/').at(-1) ?? '';
    const key = `${frame.functionName || '(anonymous)'} ${file}:${frame.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + us);
  });
  const top = [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, topN)
    .map(([fn, us]) => ({ fn, selfMs: Math.round(us / 100) / 10 }));
  return { target, busyMs: Math.round(busyUs / 1000), top };
}

/** Profiles the isolates whose inspector id contains one of `targets` while `work` runs. */
export async function profileWhile(inspectorPort: number, targets: string[], work: () => Promise<void>, topN = 25): Promise<IsolateProfile[]> {
  const list = (await (await fetch(`http://127.0.0.1:${inspectorPort}/json/list`)).json()) as { id: string; webSocketDebuggerUrl: string }[];
  const chosen = list.filter((t) => targets.some((name) => t.id === name));
  const sessions = await Promise.all(chosen.map(async (t) => ({ id: t.id, session: await InspectorSession.open(t.webSocketDebuggerUrl) })));
  try {
    for (const { session } of sessions) {
      await session.send('Profiler.enable');
      await session.send('Profiler.setSamplingInterval', { interval: 200 });
      await session.send('Profiler.start');
    }
    await work();
    const results: IsolateProfile[] = [];
    for (const { id, session } of sessions) {
      const { profile } = await session.send<{ profile: Profile }>('Profiler.stop');
      results.push(summarize(id, profile, topN));
    }
    return results;
  } finally {
    for (const { session } of sessions) session.close();
  }
}
