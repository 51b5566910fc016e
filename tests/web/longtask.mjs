/**
 * How long kunci keeps the page's main thread busy in one go, measured two ways that agree
 * above 50 ms (used by raf.test.mjs, which asserts, and bench.mjs, which prints):
 *
 * - LONG_TASK_PROBE, a page script: a PerformanceObserver for 'longtask' entries (Chromium
 *   reports every task over 50 ms, the web's threshold for a task that delays input) and
 *   `__busyDuring(work)`, which returns the long tasks seen while `work` ran.
 * - `traced(page, run)`, in Node: a Chrome trace of `run` over the DevTools protocol
 *   ('toplevel' category), whose top-level events on the page's renderer main thread give
 *   the longest task in milliseconds, below 50 ms too (the observer cannot), in wall time
 *   and in the main thread's CPU time.
 *
 * The observer and the trace's wall time count time the OS gave to other processes inside a
 * task; on a loaded two-core machine that is most of it (a 120 ms busy loop measured 9 ms
 * of CPU at load 13). The trace's CPU time is the page's own work, whatever the load.
 */

/** Page side; needs PAGE_HELPERS (`__err`) first. Install with `page.addInitScript`. */
export const LONG_TASK_PROBE = `
globalThis.__longTasks = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) globalThis.__longTasks.push({ start: e.startTime, ms: e.duration });
}).observe({ type: 'longtask' });
globalThis.__busyDuring = async (work) => {
  await new Promise((r) => setTimeout(r, 50)); // earlier entries delivered, the loop idle
  // The trace finds the page's main thread by this mark (and knows it was recording by then).
  performance.mark('kunci-busy');
  const start = performance.now();
  let result;
  let error;
  try {
    result = await work();
  } catch (e) {
    error = globalThis.__err(e);
  }
  const end = performance.now();
  await new Promise((r) => setTimeout(r, 100)); // the observer reports after the task
  const longTasks = globalThis.__longTasks
    .filter((t) => t.start < end && t.start + t.ms > start)
    .map((t) => t.ms);
  return { ms: end - start, longTasks, result, error };
};
`;

/**
 * The trace categories: the scheduler's top-level work (tasks, microtask checkpoints), and
 * user timing for `__busyDuring`'s mark.
 */
const CATEGORIES = ['toplevel', 'blink.user_timing'];

/**
 * Runs `run()` (usually a `page.evaluate`) under a Chrome trace and returns `{ value,
 * longestTaskMs, longestTaskCpuMs, tasks }` (see `longestTask`) for the busiest renderer
 * main thread: the page's, as other renderers idle.
 */
export async function traced(page, run, { marked = false } = {}) {
  // A renderer starts recording a moment after Tracing.start returns; a busy loop that began
  // before then is missing from the trace (seen once on a loaded machine: a 400 ms loop traced
  // as 12 ms). With `marked` (the run goes through `__busyDuring`, which marks its start), a
  // trace without the mark is taken again, up to three times, and then refused.
  for (let attempt = 1; ; attempt++) {
    const result = await traceOnce(page, run);
    if (!marked || result.marked) return result;
    if (attempt === 3) throw new Error('the trace missed the page three times (no kunci-busy mark)');
  }
}

async function traceOnce(page, run) {
  const cdp = await page.context().newCDPSession(page);
  const events = [];
  const onData = (e) => events.push(...e.value);
  cdp.on('Tracing.dataCollected', onData);
  const complete = new Promise((resolve) => cdp.once('Tracing.tracingComplete', resolve));
  await cdp.send('Tracing.start', {
    transferMode: 'ReportEvents',
    traceConfig: { includedCategories: CATEGORIES, recordMode: 'recordAsMuchAsPossible' },
  });
  await new Promise((r) => setTimeout(r, 200)); // let every process start recording
  let value;
  try {
    value = await run();
  } finally {
    await cdp.send('Tracing.end');
    await complete;
    cdp.off('Tracing.dataCollected', onData);
    await cdp.detach().catch(() => {});
  }
  return { value, ...longestTask(events) };
}

/**
 * The longest stretch of top-level work on the renderer main thread that worked the most,
 * in wall time (`longestTaskMs`) and in the thread's CPU time (`longestTaskCpuMs`), and how
 * many stretches (`tasks`). Not only RunTask events: Blink runs a promise's continuation in
 * a microtask checkpoint that the trace shows as its own top-level event
 * (BlinkScheduler_PerformMicrotaskCheckpoint), so overlapping top-level events are merged
 * and the merged stretches measured. CPU time is what the page itself worked: on a machine
 * where other processes compete for the cores, wall time also counts the time they got.
 */
export function longestTask(events) {
  let mains = new Set(
    events
      .filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain')
      .map((e) => `${e.pid}:${e.tid}`),
  );
  // The thread that made `__busyDuring`'s mark is the page's, whatever else was busy.
  const markedThreads = new Set(events.filter((e) => e.name === 'kunci-busy').map((e) => `${e.pid}:${e.tid}`));
  const marked = [...markedThreads].some((t) => mains.has(t));
  if (marked) mains = new Set([...markedThreads].filter((t) => mains.has(t)));
  const spans = new Map();
  for (const e of events) {
    const thread = `${e.pid}:${e.tid}`;
    if (e.ph !== 'X' || !mains.has(thread) || !String(e.cat).split(',').includes('toplevel')) continue;
    const dur = e.dur ?? 0;
    spans.set(thread, [...(spans.get(thread) ?? []), [e.ts, e.ts + dur, e.tdur ?? dur]]);
  }
  let best = { total: -1, longest: NaN, longestCpu: NaN, tasks: 0 };
  for (const list of spans.values()) {
    list.sort((x, y) => x[0] - y[0] || y[1] - x[1]); // outer events before those they hold
    let total = 0;
    let longest = 0;
    let longestCpu = 0;
    let tasks = 0;
    let [from, to, cpu] = [NaN, NaN, 0];
    const close = () => {
      if (Number.isNaN(from)) return;
      total += to - from;
      longest = Math.max(longest, to - from);
      longestCpu = Math.max(longestCpu, cpu);
      tasks += 1;
    };
    for (const [a, b, c] of list) {
      if (a < to) {
        // Nested: its CPU time is its parent's already. Overlapping past the end: the part
        // outside, pro rata.
        if (b > to) cpu += (c * (b - to)) / Math.max(1, b - a);
        to = Math.max(to, b);
      } else {
        close();
        [from, to, cpu] = [a, b, c];
      }
    }
    close();
    if (total > best.total) best = { total, longest: longest / 1000, longestCpu: longestCpu / 1000, tasks };
  }
  return { longestTaskMs: best.longest, longestTaskCpuMs: best.longestCpu, tasks: best.tasks, marked };
}
