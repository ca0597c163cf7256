import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';

/**
 * e2e project: kills every server a test started and left running, and
 * fails the run when there was any: the suite must leave nothing behind,
 * and the message names what was left so the test that forgot is found.
 * Jest loads this file outside its module system: node built-ins only.
 */
export default function globalTeardown(
  _global: unknown,
  project: { rootDir: string },
): void {
  const dir = process.env.E2E_PID_DIR;
  if (!dir) return;
  const reaper = spawnSync(
    process.execPath,
    [join(project.rootDir, 'scripts/e2e-process-reaper.mjs'), dir],
    { encoding: 'utf8' },
  );
  rmSync(dir, { recursive: true, force: true });
  if (reaper.status !== 0) {
    throw new Error(`The process reaper failed: ${reaper.stderr}`);
  }
  const { left, alive } = JSON.parse(reaper.stdout) as {
    left: string[];
    alive: string[];
  };
  if (alive.length > 0) {
    throw new Error(
      `Servers started by the e2e tests are still running: ${alive.join('; ')}`,
    );
  }
  if (left.length > 0) {
    throw new Error(
      `The e2e tests left ${left.length} server(s) running (now killed): ${left.join('; ')}`,
    );
  }
}
