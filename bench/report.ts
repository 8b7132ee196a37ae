/** Turns raw phase measurements into the bench's JSON lines and its readable table. */
import type { LoadResult } from './load.ts';

/** One phase's figures, printed as one JSON line. */
export interface PhaseReport {
  phase: string;
  requests: number;
  errors: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  /** Throughput as a percentage of the trivial route's (the runtime's ceiling). */
  pctOfCeiling?: number;
  wallMs: number;
  truncated: boolean;
  note?: string;
  firstErrors?: string[];
}

/** The q-quantile (0…1) of the latencies, nearest-rank. */
export function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

/** The phase's figures from its load result. */
export function phaseReport(phase: string, result: LoadResult, note?: string): PhaseReport {
  const sorted = Float64Array.from(result.latencies).sort();
  return {
    phase,
    requests: result.completed,
    errors: result.errors,
    rps: round((result.completed / result.wallMs) * 1000, 0),
    p50: round(percentile(sorted, 0.5)),
    p95: round(percentile(sorted, 0.95)),
    p99: round(percentile(sorted, 0.99)),
    max: round(sorted.at(-1) ?? Number.NaN),
    wallMs: round(result.wallMs, 0),
    truncated: result.truncated,
    ...(note ? { note } : {}),
    ...(result.firstErrors.length ? { firstErrors: result.firstErrors } : {}),
  };
}

/** Adds each phase's share of the ceiling's throughput. */
export function withCeiling(reports: PhaseReport[], ceilingRps: number): PhaseReport[] {
  return reports.map((r) => (r.phase === 'ceiling' ? { ...r, pctOfCeiling: 100 } : { ...r, pctOfCeiling: round((r.rps / ceilingRps) * 100, 1) }));
}

/** A plain-text table with a header row and right-aligned numbers. */
export function table(rows: Record<string, string | number>[]): string {
  if (rows.length === 0) return '';
  const columns = Object.keys(rows[0]!);
  const cells = rows.map((row) => columns.map((c) => String(row[c] ?? '')));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]!.length)));
  const line = (values: string[]) => values.map((v, i) => (i === 0 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join('  ');
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

/** The phases as table rows. */
export function phaseRows(reports: PhaseReport[]): Record<string, string | number>[] {
  return reports.map((r) => ({
    phase: r.phase,
    requests: r.requests,
    'req/s': r.rps,
    'p50 ms': r.p50,
    'p95 ms': r.p95,
    'p99 ms': r.p99,
    errors: r.errors,
    '% ceiling': r.pctOfCeiling ?? '',
  }));
}
