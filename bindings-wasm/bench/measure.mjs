// How the in-process benchmarks time a round: CPU time of this process (user + system),
// which a shared machine disturbs less than wall time.

/** CPU seconds (user + system) of this process since `start` (a process.cpuUsage()). */
function cpuSince(start) {
  const { user, system } = process.cpuUsage(start);
  return (user + system) / 1e6;
}

/**
 * The best rate of `round(n)` over the rounds run within `seconds`: `n` first doubles from
 * 16 until one round takes more than `minRoundMs`; each round counts `n * perCall` units
 * (messages) over its CPU time. Returns units per CPU second.
 */
export function bestRate(round, { seconds, minRoundMs, perCall = 1 }) {
  let n = 16;
  for (;;) {
    const t0 = performance.now();
    round(n);
    if (performance.now() - t0 > minRoundMs) break;
    n *= 2;
  }
  let best = 0;
  const stop = performance.now() + seconds * 1000;
  do {
    const c0 = process.cpuUsage();
    round(n);
    best = Math.max(best, (n * perCall) / Math.max(cpuSince(c0), 1e-6));
  } while (performance.now() < stop);
  return best;
}
