// How late the runner's own event loop ran during a burst. The runner shares
// the 2 cores with the API and the stores: at 10x capacity its loop ran
// 200-600 ms late, and every latency it measured then includes that delay.
// Reported with each result, so a shed p95 near its limit can be read with it.
const tickMs = 10;

export function watchClientLag(): () => number {
  let last = performance.now();
  let worst = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last - tickMs);
    last = now;
  }, tickMs);
  return () => {
    clearInterval(timer);
    return Math.round(worst);
  };
}
