import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Row } from './rows.js';
import type { Summary, VariantResult } from './runner.js';
import type { SystemResult } from './suites/system.js';

export interface Report {
  date: string;
  mode: 'full' | 'quick';
  durationSeconds: number;
  machine: {
    cpus: number;
    cpuModel: string;
    memoryGiB: number;
    os: string;
    node: string;
    redis: string;
    postgres: string;
  };
  settings: Record<string, unknown>;
  rows: Row[];
  variants: VariantResult[];
  system: SystemResult[];
}

const range = (summary: Summary) =>
  summary.min === summary.max
    ? `${summary.median}`
    : `${summary.median} (${summary.min}-${summary.max})`;

const met = (value: boolean | null) =>
  value === null ? '-' : value ? 'yes' : '**NO**';

export function writeReport(dir: string, report: Report): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'latest.json'),
    `${JSON.stringify(report, null, 2)}\n`,
  );
  const { machine } = report;
  const lostOf = (id?: string) =>
    report.variants
      .find((variant) => variant.id === id)
      ?.runs.reduce((sum, run) => sum + run.lost, 0);
  const lines = [
    `# Benchmark results (${report.mode}${report.mode === 'quick' ? ': a smoke run, not figures' : ''})`,
    '',
    `${report.date}, ${report.durationSeconds} s. Machine: ${machine.cpus} CPUs (${machine.cpuModel}), ${machine.memoryGiB} GiB, ${machine.os}; Node ${machine.node}, Redis ${machine.redis}, PostgreSQL ${machine.postgres}.`,
    '',
    `Events per messaging run: ${(report.settings.messaging as { events: number }).events} (about 400 bytes each unless the row says otherwise; outbox, jobs and 16 KB runs use fewer, see the last table).`,
    '',
    `Each figure is the median of ${String(report.settings.rounds)} run(s) (min-max in brackets), measured in the same invocation as its baseline, runs alternated (A B A B) after a warm-up; publishers and consumers are separate processes. The ratio is project / baseline of the medians. Reproduce with \`npm run bench\` (\`-- --quick\` for a smoke run).`,
    '',
    '| row | this project | baseline | ratio | target | met | lost |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...report.rows.map(
      (row) =>
        `| ${row.label} | ${range(row.project)} | ${row.baseline.label}: ${range(row.baseline)} | ${row.ratio} | ${row.target} | ${met(row.met)} | ${
          row.section === 'memory'
            ? '-'
            : `${lostOf(row.project.variant) ?? 0} / ${lostOf(row.baseline.variant) ?? 0}`
        } |`,
    ),
    '',
    '## The system: four services as processes',
    '',
    '| database | cold start to healthy /health (ms) | highest POST /users rate held (/s) | registration -> verification e-mail p50 / p99 (ms) | e-mails lost |',
    '| --- | --- | --- | --- | --- |',
    ...report.system.map(
      (system) =>
        `| ${system.database} | ${Object.entries(system.coldStartMs)
          .map(([name, ms]) => `${name} ${ms}`)
          .join(
            ', ',
          )} | ${system.maxRateHeld} | ${system.registrationToEmailMs.p50} / ${system.registrationToEmailMs.p99} (${system.registrationToEmailMs.samples} e-mails) | ${system.steps.reduce((sum, step) => sum + step.lost, 0)} |`,
    ),
    '',
    '| database | rate (/s) | requests | 201 | failed | held | HTTP p50 / p99 (ms) |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...report.system.flatMap((system) =>
      system.steps.map(
        (step) =>
          `| ${system.database} | ${step.ratePerSecond} | ${step.requests} | ${step.created} | ${step.failed}${step.firstError ? ` (${step.firstError})` : ''} | ${step.held ? 'yes' : 'no'} | ${step.httpLatencyMs.p50} / ${step.httpLatencyMs.p99} |`,
      ),
    ),
    '',
    '## Every configuration',
    '',
    '| configuration | events per run | bytes | events/s per run | lost per run | CPU µs/event publisher / consumer / Redis | latency p50 / p95 / p99 (ms) |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...report.variants.map((variant) => {
      const s = variant.summary;
      const cpu = `${s.publisherCpuUsPerEvent?.median ?? '-'} / ${s.consumerCpuUsPerEvent?.median ?? '-'} / ${s.redisCpuUsPerEvent?.median ?? '-'}`;
      const latency = s.p99
        ? `${s.p50.median} / ${s.p95.median} / ${s.p99.median}`
        : '-';
      return `| \`${variant.id}\` ${variant.label} | ${variant.events} | ${variant.runs[0]?.messageBytes ?? variant.payloadBytes} | ${variant.runs.map((run) => run.eventsPerSecond).join(', ')} | ${variant.runs.map((run) => run.lost).join(', ')} | ${cpu} | ${latency} |`;
    }),
    '',
  ];
  const markdown = lines.join('\n');
  writeFileSync(join(dir, 'latest.md'), markdown);
  return markdown;
}
