/**
 * Long wasm work run in slices on the calling thread, so that no call of the package keeps a
 * page's main thread busy for more than a few milliseconds in a row (issue 14: a task over
 * 50 ms is a "long task" that delays input and frames). The work is the PKCS#12 KDF (the MAC
 * key at 600 000 iterations is about 180 ms of wasm; a legacy file's cipher keys seven times
 * that) and scrypt (about 230 ms for an `openssl pkcs8 -scrypt` key), neither of which has a
 * WebCrypto equivalent.
 *
 * A job exposes `step(maxIterations) → done` (kunci-core's `PackJob::step` and friends;
 * `ScryptTask::step` counts BlockMix calls).
 * `runSliced` calls it with an iteration count tuned, slice after slice, to take about
 * SLICE_MS, and yields to the event loop between slices. Timing the slices, rather than fixing
 * a count, keeps them short on a slow phone and few on a fast desktop.
 */

/** What one slice aims at: well under the 50 ms of a long task, even if a slice runs 3× slow. */
const SLICE_MS = 12;
/** The first slice: about 1-2 ms of SHA-256 iterations in wasm on a slow machine. */
const FIRST_SLICE = 4096;
const MIN_SLICE = 256;
const MAX_SLICE = 1 << 22;

/**
 * Runs `job.step` in slices of about SLICE_MS until it says it is done. `first` is the first
 * slice's size, for jobs whose unit is far costlier than a SHA-256 iteration (scrypt's
 * BlockMix calls).
 */
export async function runSliced(job, first = FIRST_SLICE) {
  let n = first;
  for (;;) {
    const t = performance.now();
    if (job.step(n)) return;
    const ms = performance.now() - t;
    // At most 4× up or down per slice, so that one slice the OS pre-empted (or a coarse
    // clock reading 0) does not throw the size off.
    const factor = ms > 0 ? Math.min(4, Math.max(0.25, SLICE_MS / ms)) : 4;
    n = Math.max(MIN_SLICE, Math.min(MAX_SLICE, Math.floor(n * factor)));
    await yieldToEventLoop();
  }
}

/**
 * Gives the event loop a turn: `scheduler.yield()` where it exists (Chromium 129+; the
 * continuation keeps its priority, so input and frames get in without the work going to the
 * back of the queue), else a MessageChannel message (a new task without setTimeout's 4 ms
 * clamp on nested timers; Node has MessageChannel too), else setTimeout(0).
 */
export function yieldToEventLoop() {
  const scheduler = globalThis.scheduler;
  if (scheduler && typeof scheduler.yield === 'function') return scheduler.yield();
  if (typeof MessageChannel === 'function') {
    return new Promise((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        channel.port1.close(); // an open port would keep a Node process alive
        resolve();
      };
      channel.port2.postMessage(null);
    });
  }
  return new Promise((resolve) => setTimeout(resolve, 0));
}
