import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Every server a test starts (private redis-servers, built apps) is
 * recorded as `<pid>.json` in the run's folder `E2E_PID_DIR` (made by the
 * e2e project's global setup) until it exits. Whatever is still recorded
 * when the run ends was left behind - a file that forgot to stop it, an
 * `afterAll` that failed or timed out, Jest's `--forceExit`, Jest itself
 * killed - and is killed: by the global teardown, or by a watchdog process
 * that outlives Jest when Jest dies without one.
 */
export const PID_DIR_VARIABLE = 'E2E_PID_DIR';

interface ProcessRecord {
  pid: number;
  label: string;
  /**
   * When it started (`/proc/<pid>/stat`, field 22), so a reused pid is never
   * killed; not its command line, which redis-server rewrites.
   */
  started: string | null;
}

/** Records a process a test started; it is unrecorded when it exits. */
export function recordProcess(
  child: { pid?: number; once(event: 'exit', listener: () => void): unknown },
  label: string,
  dir = process.env[PID_DIR_VARIABLE],
): void {
  const { pid } = child;
  if (!dir || pid === undefined) return;
  const file = join(dir, `${pid}.json`);
  const record: ProcessRecord = { pid, label, started: startTimeOf(pid) };
  writeFileSync(file, JSON.stringify(record));
  child.once('exit', () => rmSync(file, { force: true }));
}

function startTimeOf(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name in parentheses; field 22 is the 20th.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

/** The script that kills what is recorded (plain JS, its own process). */
export const REAPER_SCRIPT = fileURLToPath(
  new URL('../../scripts/e2e-process-reaper.mjs', import.meta.url),
);

/** Starts the watchdog that cleans up after Jest if Jest dies first. */
export function startReaper(dir: string, parentPid = process.pid): void {
  spawn(process.execPath, [REAPER_SCRIPT, '--after', String(parentPid), dir], {
    detached: true,
    stdio: 'ignore',
  }).unref();
}

/** Kills what is still recorded in `dir` (see `e2e-process-reaper.mjs`). */
export function reapProcesses(dir: string): {
  left: string[];
  alive: string[];
} {
  const { stdout, status, stderr } = spawnSync(
    process.execPath,
    [REAPER_SCRIPT, dir],
    { encoding: 'utf8' },
  );
  if (status !== 0) throw new Error(`The process reaper failed: ${stderr}`);
  return JSON.parse(stdout) as { left: string[]; alive: string[] };
}
