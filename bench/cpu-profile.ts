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

/** A V8 CPU profile (the `.cpuprofile` format Chrome DevTools opens). */
export interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** One isolate's busy time, its hottest functions (self and inclusive) and self time per source module. */
export interface IsolateProfile {
  target: string;
  busyMs: number;
  top: { fn: string; selfMs: number }[];
  /** Time with the function anywhere on the stack (counted once per sample). */
  inclusive: { fn: string; ms: number }[];
  /** Self time per module of our bundle (`src/…` file or npm package) or per runtime part. */
  modules: { module: string; ms: number }[];
  raw: Profile;
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

/** Where each module of an esbuild bundle starts: its `// path` comments (esbuild writes them unminified). */
export function bundleModules(source: string): { line: number; module: string }[] {
  const starts: { line: number; module: string }[] = [];
  source.split('\n').forEach((text, i) => {
    const m = /^\/\/ ((?:src|node_modules)\/\S+)$/.exec(text);
    if (m) starts.push({ line: i, module: moduleName(m[1]!) });
  });
  return starts;
}

/** `src/scim/auth/authenticate.ts` stays as is; `node_modules/@hono/zod-validator/dist/…` becomes `@hono/zod-validator`. */
function moduleName(path: string): string {
  if (path.startsWith('src/')) return path;
  const parts = path.split('/');
  return parts[1]!.startsWith('@') ? `${parts[1]}/${parts[2]}` : parts[1]!;
}

/** The module a frame belongs to: a bundle line's module, or the runtime part for natives and workerd's own JS. */
function moduleOf(frame: CallFrame, bundleFile: string | undefined, starts: { line: number; module: string }[]): string {
  if (frame.functionName === '(garbage collector)') return '(gc)';
  if (bundleFile && frame.url.endsWith(bundleFile)) {
    let lo = 0;
    let hi = starts.length - 1;
    let found = '(bundle prelude)';
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid]!.line <= frame.lineNumber) {
        found = starts[mid]!.module;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }
  if (frame.url === '') return '(native)';
  return frame.url.split(':').slice(0, 2).join(':');
}

const key = (frame: CallFrame) => `${frame.functionName || '(anonymous)'} ${frame.url.split('/').at(-1) ?? ''}:${frame.lineNumber + 1}`;

const sortedMs = (totals: Map<string, number>, topN: number) =>
  [...totals.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, topN)
    .map(([name, us]) => [name, Math.round(us / 100) / 10] as const);

function summarize(target: string, profile: Profile, topN: number, bundle?: { file: string; starts: { line: number; module: string }[] }): IsolateProfile {
  const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const modules = new Map<string, number>();
  const add = (totals: Map<string, number>, name: string, us: number) => totals.set(name, (totals.get(name) ?? 0) + us);
  let busyUs = 0;
  profile.samples.forEach((nodeId, i) => {
    const frame = byNode.get(nodeId)!.callFrame;
    const us = profile.timeDeltas[i] ?? 0;
    if (IDLE.has(frame.functionName)) return;
    busyUs += us;
    add(self, key(frame), us);
    add(modules, moduleOf(frame, bundle?.file, bundle?.starts ?? []), us);
    const onStack = new Set<string>();
    for (let id: number | undefined = nodeId; id !== undefined; id = parent.get(id)) {
      const f = byNode.get(id)!.callFrame;
      if (f.functionName !== '(root)') onStack.add(key(f));
    }
    for (const name of onStack) add(inclusive, name, us);
  });
  return {
    target,
    busyMs: Math.round(busyUs / 1000),
    top: sortedMs(self, topN).map(([fn, selfMs]) => ({ fn, selfMs })),
    inclusive: sortedMs(inclusive, topN * 2).map(([fn, ms]) => ({ fn, ms })),
    modules: sortedMs(modules, Infinity).map(([module, ms]) => ({ module, ms })),
    raw: profile,
  };
}

/**
 * Profiles the isolates whose inspector id is one of `targets` while `work` runs; `bundle` (the
 * served bundle's file name and its module starts) attributes our isolate's time to modules.
 */
export async function profileWhile(
  inspectorPort: number,
  targets: string[],
  work: () => Promise<void>,
  options: { topN?: number; bundle?: { file: string; starts: { line: number; module: string }[] } } = {},
): Promise<IsolateProfile[]> {
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
      results.push(summarize(id, profile, options.topN ?? 25, options.bundle));
    }
    return results;
  } finally {
    for (const { session } of sessions) session.close();
  }
}
