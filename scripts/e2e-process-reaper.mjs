// Kills the processes recorded in a folder (see test/support/process-registry.ts) and
// prints { left, alive } as JSON: the labels of what it found still running
// and of what it could not kill. With `--after <pid>` it first waits for that
// process (Jest) to end: the watchdog that cleans up when Jest dies without
// its global teardown. Plain JavaScript, run as its own process, so that it
// needs nothing from Jest and can outlive it.
import { readdirSync, readFileSync, rmSync } from 'node:fs';

const args = process.argv.slice(2);
const after = args[0] === '--after' ? Number(args[1]) : undefined;
const dir = after === undefined ? args[0] : args[2];
const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
};
/** Fields of /proc/<pid>/stat after the command name (3 = state, 22 = start time). */
const stat = (pid) => {
  try {
    const text = readFileSync('/proc/' + pid + '/stat', 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
};
const startTime = (pid) => stat(pid)?.[19] ?? null;
// A killed child its parent has not reaped yet (a zombie) is dead.
const zombie = (pid) => stat(pid)?.[0] === 'Z';
const records = () => {
  let names = [];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    try {
      return [JSON.parse(readFileSync(dir + '/' + name, 'utf8'))];
    } catch {
      return [];
    }
  });
};
const same = (r) =>
  alive(r.pid) &&
  !zombie(r.pid) &&
  (r.started === null || startTime(r.pid) === r.started);
function reap() {
  const left = records().filter(same);
  for (const r of left) {
    try {
      process.kill(r.pid, 'SIGKILL');
    } catch {
      // Gone meanwhile: nothing to kill.
    }
  }
  const deadline = Date.now() + 5000;
  const check = () => {
    const still = left.filter(same);
    if (still.length > 0 && Date.now() < deadline) return setTimeout(check, 50);
    for (const r of left)
      if (!still.includes(r))
        rmSync(dir + '/' + r.pid + '.json', { force: true });
    process.stdout.write(
      JSON.stringify({
        left: left.map((r) => r.label),
        alive: still.map((r) => r.label),
      }),
    );
  };
  check();
}
if (after === undefined) reap();
else {
  const timer = setInterval(() => {
    if (alive(after)) return;
    clearInterval(timer);
    reap();
    rmSync(dir, { recursive: true, force: true });
  }, 500);
}
