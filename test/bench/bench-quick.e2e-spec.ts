import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectedRowIds } from '../../bench/src/rows.js';
import { SERVICES } from '../../bench/src/suites/system.js';

/**
 * `npm run bench -- --quick` end to end (after `npm run build`): the result
 * file has every row with its ratio, and nothing was lost in any run. Speeds
 * are the benchmark's business, never asserted here.
 */
describe('npm run bench -- --quick', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'bench-results-'));
  let exitCode: number | null;
  let output = '';

  beforeAll(async () => {
    const child = spawn(
      'npm',
      ['run', 'bench', '--', '--quick', '--out', outDir],
      {
        // The test command builds first; the bench need not build again.
        env: { ...process.env, BENCH_SKIP_BUILD: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const capture = (chunk: Buffer) => (output += chunk.toString());
    child.stdout.on('data', capture);
    child.stderr.on('data', capture);
    exitCode = await new Promise((resolve) => child.once('exit', resolve));
  }, 1_800_000);

  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  const report = () =>
    JSON.parse(readFileSync(join(outDir, 'latest.json'), 'utf8'));

  it('finishes without error', () => {
    expect({
      exitCode,
      tail: exitCode === 0 ? '' : output.slice(-4_000),
    }).toEqual({
      exitCode: 0,
      tail: '',
    });
  });

  it('has every row, each with a ratio and a target', () => {
    const { rows } = report();
    expect(rows.map((row: { id: string }) => row.id).sort()).toEqual(
      expectedRowIds(SERVICES).sort(),
    );
    for (const row of rows) {
      expect({ id: row.id, ratio: Number.isFinite(row.ratio) }).toEqual({
        id: row.id,
        ratio: true,
      });
      expect(row.target).toEqual(expect.any(String));
    }
  });

  it('lost no event, job or e-mail in any run', () => {
    const { variants, system } = report();
    expect(variants.length).toBeGreaterThan(0);
    for (const variant of variants) {
      expect(variant.runs.length).toBeGreaterThan(0);
      for (const run of variant.runs) {
        expect({ id: variant.id, lost: run.lost }).toEqual({
          id: variant.id,
          lost: 0,
        });
      }
    }
    expect(system.map((run: { database: string }) => run.database)).toEqual([
      'pglite',
      'postgres',
    ]);
    for (const run of system) {
      expect(run.steps.length).toBeGreaterThan(0);
      for (const step of run.steps) expect(step.lost).toBe(0);
    }
  });

  it('states the machine and versions, and shows the ratios in latest.md', () => {
    const { machine } = report();
    expect(machine).toEqual(
      expect.objectContaining({
        cpus: expect.any(Number),
        memoryGiB: expect.any(Number),
        node: process.version,
        redis: expect.stringMatching(/^\d+\.\d+/),
      }),
    );
    const markdown = readFileSync(join(outDir, 'latest.md'), 'utf8');
    expect(markdown).toContain('| ratio |');
    for (const row of report().rows) expect(markdown).toContain(row.label);
  });
});
