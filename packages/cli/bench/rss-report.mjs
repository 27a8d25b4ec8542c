// Preloaded into the spawned `stowage` by bench/scale.ts: at exit, prints the process's peak RSS
// and the peak of the JavaScript heap in use (sampled every 100 ms). V8 keeps heap it has grown
// into (heapTotal), so RSS settles above what is live; the heap in use shows what the command holds.
let peakHeapUsed = 0;
const timer = setInterval(() => {
  peakHeapUsed = Math.max(peakHeapUsed, process.memoryUsage().heapUsed);
}, 100);
timer.unref();
process.on("exit", () => {
  process.stderr.write(
    `\nSTOWAGE_BENCH_MAXRSS_KB=${process.resourceUsage().maxRSS} STOWAGE_BENCH_PEAK_HEAP_USED_KB=${Math.round(peakHeapUsed / 1024)}\n`,
  );
});
