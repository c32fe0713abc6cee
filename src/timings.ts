/**
 * Phase timings for the benchmark and for profiling: with `RUCIO_GITOPS_TIMINGS=1`, a command prints on stderr, when
 * it ends, the wall and CPU milliseconds since the process started at each phase it passed (start-up, load, render,
 * checks, write). Off by default: then `mark` does nothing but compare a flag.
 */
const enabled = process.env.RUCIO_GITOPS_TIMINGS === '1';
const marks: { name: string; wall: number; cpu: number; rss: number }[] = [];

/** Records the end of a phase. */
export function mark(name: string): void {
  if (!enabled) return;
  const cpu = process.cpuUsage();
  marks.push({
    name,
    wall: performance.now(),
    cpu: (cpu.user + cpu.system) / 1000,
    rss: process.resourceUsage().maxRSS,
  });
}

/** Prints the phases recorded (when enabled), as one line of `name wall/cpu` pairs, each since the previous mark. */
export function printTimings(write: (text: string) => void, note = ''): void {
  if (!enabled || marks.length === 0) return;
  let wall = 0;
  let cpu = 0;
  const parts = marks.map((m) => {
    const part = `${m.name} ${Math.round(m.wall - wall)}/${Math.round(m.cpu - cpu)} (peak ${Math.round(m.rss / 1024)} MB)`;
    wall = m.wall;
    cpu = m.cpu;
    return part;
  });
  write(
    `rucio-gitops timings (wall/cpu ms): ${parts.join(', ')}; total ${Math.round(wall)}/${Math.round(cpu)}${note}\n`,
  );
}
