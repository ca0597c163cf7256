import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * e2e project: the folder where every server the tests start is recorded
 * (`recordProcess` in process-registry.ts, which reads the same variable),
 * and a watchdog that kills them if Jest dies before its global teardown.
 * Jest loads this file outside its module system: node built-ins only.
 */
export default function globalSetup(
  _global: unknown,
  project: { rootDir: string },
): void {
  const dir = mkdtempSync(join(tmpdir(), 'e2e-pids-'));
  process.env.E2E_PID_DIR = dir;
  spawn(
    process.execPath,
    [
      join(project.rootDir, 'scripts/e2e-process-reaper.mjs'),
      '--after',
      String(process.pid),
      dir,
    ],
    { detached: true, stdio: 'ignore' },
  ).unref();
}
