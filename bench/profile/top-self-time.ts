import { readFileSync } from 'node:fs';

/**
 * Prints the functions with the most self time in a `.cpuprofile` written by
 * `node --cpu-prof`: `node dist/profile/bench/profile/top-self-time.js <file> [count]`.
 */

interface CpuProfile {
  nodes: Array<{
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
  }>;
  samples: number[];
  timeDeltas: number[];
}

const [file, count = '25'] = process.argv.slice(2);
const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const selfMicros = new Map<number, number>();
profile.samples.forEach((id, i) =>
  selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)),
);
const totals = new Map<string, number>();
let all = 0;
for (const [id, micros] of selfMicros) {
  const { callFrame } = byId.get(id)!;
  const where = callFrame.url
    ? `${callFrame.url
        .replace(/^.*node_modules\//, '')
        .replace(/^.*\/dist\/[^/]+\//, '')}:${callFrame.lineNumber + 1}`
    : '';
  const key = `${callFrame.functionName || '(anonymous)'} ${where}`;
  totals.set(key, (totals.get(key) ?? 0) + micros);
  all += micros;
}
const idle = totals.get('(idle) ') ?? 0;
console.log(
  `total ${(all / 1e3).toFixed(0)} ms, busy ${((all - idle) / 1e3).toFixed(0)} ms`,
);
for (const [key, micros] of [...totals]
  .sort((a, b) => b[1] - a[1])
  .slice(0, Number(count))) {
  console.log(
    `${(micros / 1e3).toFixed(0).padStart(7)} ms ${((100 * micros) / all).toFixed(1).padStart(5)}%  ${key}`,
  );
}
