/**
 * Closed-loop load: `concurrency` loops each take the next request index until `count` are done
 * or `timeLimitMs` has passed — every phase is bounded in both.
 */

/** What one request reported: its latency and whether its outcome was the expected one. */
export interface Sample {
  ms: number;
  ok: boolean;
  /** What went wrong, when not ok. */
  error?: string;
}

/** A phase's raw measurements. */
export interface LoadResult {
  /** Latencies of completed requests, in completion order. */
  latencies: Float64Array;
  completed: number;
  errors: number;
  wallMs: number;
  /** True when the time limit stopped the phase before `count` requests. */
  truncated: boolean;
  /** The first few unexpected outcomes, for the report. */
  firstErrors: string[];
}

export interface LoadOptions {
  count: number;
  concurrency: number;
  timeLimitMs: number;
  /** Sends request `i` (0-based) and says whether it went as expected. */
  run(i: number): Promise<Sample>;
}

/** Runs the requests and collects their latencies; a rejected request counts as an error. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const latencies = new Float64Array(options.count);
  const firstErrors: string[] = [];
  let next = 0;
  let completed = 0;
  let errors = 0;
  const started = performance.now();
  const deadline = started + options.timeLimitMs;
  const loop = async () => {
    while (next < options.count && performance.now() < deadline) {
      const i = next++;
      try {
        const sample = await options.run(i);
        latencies[completed++] = sample.ms;
        if (!sample.ok) {
          errors++;
          if (firstErrors.length < 5) firstErrors.push(sample.error ?? 'unexpected outcome');
        }
      } catch (err) {
        errors++;
        if (firstErrors.length < 5) firstErrors.push(String(err));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, options.count)) }, loop));
  return { latencies: latencies.subarray(0, completed), completed, errors, wallMs: performance.now() - started, truncated: next < options.count, firstErrors };
}

/** A sample from an HTTP result: ok when the status is the expected one. */
export function expectStatus(result: { status: number; body: string; ms: number }, expected: number): Sample {
  if (result.status === expected) return { ms: result.ms, ok: true };
  return { ms: result.ms, ok: false, error: `${result.status} (expected ${expected}): ${result.body.slice(0, 300)}` };
}
