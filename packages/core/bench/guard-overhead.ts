// What the observer and the circuit breaker cost on every driver call when no OpenTelemetry SDK
// is registered and nobody subscribes to diagnostics_channel.
//   node --conditions=@stowage/source --experimental-strip-types packages/core/bench/guard-overhead.ts
// Times a memory-driver getMany (the cheapest call there is) bare, through guardDriver() with the
// breaker off (observer only) and with it on (what createStore does by default), and relates
// the differences to a whole store.kv.get(). CPU time of this process, interleaved rounds, the
// minimum of each (the least disturbed by other processes on a shared machine).
import { createMemoryDriver } from "@stowage/memory";
import { guardDriver } from "../src/guard.ts";
import { createStore } from "../src/index.ts";

const N = 50_000;
const ROUNDS = 15;

/** CPU time (user + system) per call in ns: other processes on a shared machine do not count. */
async function time(call: () => Promise<unknown>): Promise<number> {
  const started = process.cpuUsage();
  for (let i = 0; i < N; i++) await call();
  const used = process.cpuUsage(started);
  return ((used.user + used.system) * 1e3) / N;
}

const driver = createMemoryDriver();
await driver.kv.setMany("b", [{ key: "a", value: "1", expiresAt: null }], Date.now());
const observed = guardDriver(driver, false).driver;
const guarded = guardDriver(driver, {}).driver;
const store = createStore(createMemoryDriver());
const kv = store.kv("b");
await kv.set("a", 1);

const runs = { bare: [] as number[], observed: [] as number[], guarded: [] as number[], store: [] as number[] };
for (let r = 0; r < ROUNDS; r++) {
  runs.bare.push(await time(() => driver.kv.getMany("b", ["a"], 1)));
  runs.observed.push(await time(() => observed.kv.getMany("b", ["a"], 1)));
  runs.guarded.push(await time(() => guarded.kv.getMany("b", ["a"], 1)));
  runs.store.push(await time(() => kv.get("a")));
}
const [bare, obs, all, whole] = [runs.bare, runs.observed, runs.guarded, runs.store].map((xs) => Math.min(...xs)) as [number, number, number, number];
let otel = "not installed";
try {
  await import("@opentelemetry/api");
  otel = "installed, no SDK registered";
} catch {}
const pct = (ns: number) => `${((ns / whole) * 100).toFixed(1)} %`;
console.log(`@opentelemetry/api ${otel}; ${N} calls x ${ROUNDS} rounds, minimum per call`);
console.log(`driver getMany bare            ${bare.toFixed(0)} ns`);
console.log(`+ observer (no-op)             ${obs.toFixed(0)} ns  (+${(obs - bare).toFixed(0)} ns = ${pct(obs - bare)} of a store kv.get)`);
console.log(`+ observer + circuit breaker   ${all.toFixed(0)} ns  (+${(all - bare).toFixed(0)} ns = ${pct(all - bare)} of a store kv.get)`);
console.log(`store kv.get on memory         ${whole.toFixed(0)} ns`);
await store.close();
