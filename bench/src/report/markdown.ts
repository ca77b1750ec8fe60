import type { PathProfile } from '../scenarios/stages.ts';
import type { TimingSummary } from '../scenarios/stats.ts';
import type { BenchReport, HttpRow, TargetRow } from './types.ts';

const n = (value: number | null | undefined, digits = 0) =>
  value === null || value === undefined || Number.isNaN(value) ? '—' : value.toFixed(digits);
const ratio = (value: number | null) => (value === null ? '—' : `${value.toFixed(2)}x`);

// Columns padded to their widest cell, as Biome formats markdown tables, so the generated page is
// already in the formatter's shape and `biome check` leaves it alone.
function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(3, h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 3)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

function httpTable(rows: HttpRow[]): string[] {
  return table(
    [
      'configuration',
      'conns',
      'req/s',
      'req/s vs floor',
      'p50 ms',
      'p99 ms',
      'p99.9 ms',
      'errors',
      'non-2xx',
      'server CPU µs/req',
      'Postgres µs/req',
      'Redis µs/req',
      'total CPU µs/req',
      'server CPU vs floor',
    ],
    rows.map((r) => [
      r.label,
      String(r.connections),
      n(r.rps),
      ratio(r.rpsVsFloor),
      n(r.p50Ms, 2),
      n(r.p99Ms, 2),
      n(r.p999Ms, 2),
      String(r.errors),
      non2xx(r),
      n(r.cpuUsPerRequest.server),
      n(r.cpuUsPerRequest.postgres),
      n(r.cpuUsPerRequest.redis),
      n(r.totalCpuUsPerRequest),
      ratio(r.serverCpuVsFloor),
    ]),
  );
}

function timingRow(label: string, t: TimingSummary | null): string[] {
  if (!t) return [label, '0', '—', '—', '—'];
  return [label, String(t.samples), n(t.p50, 1), n(t.p99, 1), n(t.max, 1)];
}

/** `0`, or the count with the statuses behind it: `31 (503: 31)`. */
function non2xx(r: HttpRow): string {
  if (r.non2xx === 0) return '0';
  const codes = Object.entries(r.statusCodes)
    .filter(([code]) => !code.startsWith('2'))
    .map(([code, count]) => `${code}: ${count}`);
  return `${r.non2xx} (${codes.join(', ')})`;
}

/** The run as markdown: the results tables, the targets with verdicts, and what did not run. */
export function renderMarkdown(report: BenchReport): string {
  const out: string[] = [];
  if (report.http.length > 0) {
    out.push('### Serving path (scenarios 1 to 5, 7)', '');
    out.push(...httpTable(report.http), '');
  }
  const p = report.propagation;
  if (p) {
    out.push(`### Propagation across ${p.replicas} data-plane replicas (scenario 6), milliseconds`, '');
    out.push(
      ...table(
        ['measure', 'samples', 'p50', 'p99', 'max'],
        [
          timingRow('traffic.set returned → every replica serving it (replica stamps)', p.allReplicas),
          timingRow('traffic.set returned → each replica serving it (replica stamps)', p.perReplica),
          timingRow('traffic.set returned → each replica received the bus message', p.perReplicaDelivered),
          timingRow('each replica: bus message received → serving it (its apply)', p.perReplicaApplying),
          timingRow('traffic.set returned → every replica answered a poll with it', p.allReplicasPolled),
          timingRow(
            `lost pub/sub message → every replica (reconcile ${p.lostMessage.reconcileIntervalMs} ms)`,
            p.lostMessage,
          ),
          timingRow(
            '`modelplane traffic rollback` started → every replica serving the old split',
            p.rollback,
          ),
          timingRow(
            '`modelplane traffic rollback` started → it printed the new revision',
            p.rollbackCliPrinted,
          ),
          timingRow('`modelplane traffic rollback` process, start to exit', p.rollbackCli),
          timingRow('`node -e 0`, start to exit (the floor under any CLI call)', p.nodeStartup),
        ],
      ),
      '',
    );
  }
  if (report.router) {
    const r = report.router;
    out.push('### Router alone (scenario 8)', '');
    out.push(
      `${(r.perCpuSecond / 1e6).toFixed(2)} M routing decisions per CPU-second on one core ` +
        `(${(r.perWallSecond / 1e6).toFixed(2)} M per wall-clock second; ${r.calls} calls).`,
      '',
    );
  }
  if (report.stages) out.push(...stagesSection(report.stages));
  out.push('### Targets', '');
  out.push(
    ...table(
      ['#', 'figure', 'measured', 'aim', 'verdict'],
      report.targets.map((t) => [String(t.scenario), t.target, t.measured, t.aim, verdict(t)]),
    ),
    '',
  );
  if (report.notRun.length > 0 || report.failures.length > 0) {
    out.push('### Not measured in this run', '');
    for (const item of report.notRun) out.push(`- Scenario ${item.scenario} (${item.title}): ${item.reason}`);
    for (const failure of report.failures) out.push(`- ${failure.scenario} failed: ${failure.error}`);
    out.push('');
  }
  return out.join('\n');
}

/** Stages under this share of the main thread's time are summed into one row. */
const MINOR_SHARE = 0.02;

function stagesSection(paths: PathProfile[]): string[] {
  const out = ['### Where the time goes (profile of the data plane, µs per 2xx response)', ''];
  out.push(
    'A data plane of its own ran under `node --cpu-prof` while the inference and cache-hit loads ran',
    'against it; each sample of its main thread is charged to the innermost Modelplane source folder on',
    'its stack (time in Zod, prom-client or Fastify called from our code counts where it was called),',
    'or to the library or runtime when no Modelplane frame is on the stack. "Other threads" is the',
    "process's CPU from /proc minus the main thread's: ONNX Runtime's own threads, libuv's pool, V8's",
    'background GC and compiler. Profiling itself adds a few percent.',
    '',
  );
  for (const path of paths) {
    const rows: string[][] = [];
    let minor = 0;
    let minorCount = 0;
    for (const s of path.stages) {
      if (s.usPerRequest < MINOR_SHARE * path.mainThreadUsPerRequest) {
        minor += s.usPerRequest;
        minorCount += 1;
      } else {
        rows.push([s.stage, n(s.usPerRequest, 1), pct(s.usPerRequest, path.serverCpuUsPerRequest)]);
      }
    }
    if (minorCount > 0) {
      rows.push([
        `${minorCount} other stages (each < 2 %)`,
        n(minor, 1),
        pct(minor, path.serverCpuUsPerRequest),
      ]);
    }
    const otherThreads = path.serverCpuUsPerRequest - path.mainThreadUsPerRequest;
    rows.push([
      '**main thread, total**',
      n(path.mainThreadUsPerRequest, 1),
      pct(path.mainThreadUsPerRequest, path.serverCpuUsPerRequest),
    ]);
    rows.push(['other threads', n(otherThreads, 1), pct(otherThreads, path.serverCpuUsPerRequest)]);
    rows.push(['**server CPU (from /proc)**', n(path.serverCpuUsPerRequest, 1), '100 %']);
    out.push(
      `${path.label} (${path.requests} responses)`,
      '',
      ...table(['stage', 'µs/req', 'share'], rows),
      '',
    );
  }
  return out;
}

function pct(part: number, whole: number): string {
  return whole > 0 ? `${((100 * part) / whole).toFixed(0)} %` : '—';
}

/** met / missed, or unsettled when the rounds disagree (noise larger than the margin). */
export function verdict(t: TargetRow): string {
  if (t.met === null) return '—';
  const rounds = t.roundsMet;
  if (rounds && rounds.met > 0 && rounds.met < rounds.of)
    return `**unsettled**: ${rounds.met} of ${rounds.of} rounds met it`;
  return t.met ? 'met' : '**missed**';
}
