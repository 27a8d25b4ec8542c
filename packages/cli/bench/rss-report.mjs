// Preloaded into the spawned `stowage` by bench/scale.ts: prints the process's peak RSS at exit.
process.on("exit", () => {
  process.stderr.write(`\nSTOWAGE_BENCH_MAXRSS_KB=${process.resourceUsage().maxRSS}\n`);
});
