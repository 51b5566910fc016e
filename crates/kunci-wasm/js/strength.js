/**
 * Building the password-strength dictionaries without blocking the page.
 *
 * The strength module's one-time set-up (kunci's Indonesian word list, zxcvbn's ranked
 * dictionaries of some 95 000 words and its compiled regexes, and the browser compiling the
 * wasm code all that runs) takes 100-200 ms. Done inside the first `passwordStrength` call it
 * made that call take about 190 ms and held the main thread as long. Here it runs as the
 * module's five `warmUpStep` pieces, one task each (each under 40 ms in Chromium on the CI
 * machine; see kunci_core::strength::warm_up_step), with the page free in between:
 *
 * - `warmUpStrength()` is the hook a page calls early (when a password field appears, or
 *   right after load): it fetches the module and runs the pieces in idle time
 *   (`requestIdleCallback`), so once it resolves, "after the page is idle", the first
 *   `passwordStrength` call is as fast as any (a few milliseconds);
 * - `passwordStrength()` awaits the same set-up, and a set-up still waiting for idle time is
 *   hurried to plain task-by-task yields: a call the user waits for is not held back.
 */

let warming;

/**
 * Runs the module's set-up once, one piece per task; resolves when it is done. `urgent`
 * yields with a plain task instead of waiting for idle time, and hurries a set-up already
 * under way.
 */
export function warmUp(strength, { urgent = false } = {}) {
  if (!warming) {
    const state = { urgent, wake: null };
    state.done = (async () => {
      for (let step = 0; ; step++) {
        await (state.urgent ? nextTask() : idleTask(state));
        if (!strength.warmUpStep(step)) return;
      }
    })().catch((e) => {
      warming = undefined; // a later call tries again
      throw e;
    });
    warming = state;
  }
  if (urgent && !warming.urgent) {
    warming.urgent = true;
    warming.wake?.();
  }
  return warming.done;
}

/** A fresh task: after what the page has queued (input, rendering), without waiting for idle. */
function nextTask() {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * Idle time, where the browser has it (`requestIdleCallback`, at most a second late); a
 * plain task elsewhere (Node, Safari before 18, workers). `state.wake` ends the wait early.
 */
function idleTask(state) {
  const ric = globalThis.requestIdleCallback;
  if (typeof ric !== 'function') return nextTask();
  return new Promise((resolve) => {
    const id = ric(() => resolve(), { timeout: 1000 });
    state.wake = () => {
      globalThis.cancelIdleCallback?.(id);
      setTimeout(resolve, 0);
    };
  });
}
