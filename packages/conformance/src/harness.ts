// The one code path that plans and runs cases. `runConformance` registers each planned case as a
// vitest test that calls `Harness.runCase`; `runCases` calls the same method in a loop (the kit's
// self-test uses it to prove that broken drivers fail).

import { createStore } from "@stowage/core";
import type { Driver, DriverCapabilities, Store } from "@stowage/core";
import { TestClock } from "./clock.ts";
import { allCases, conformanceGroups } from "./cases/index.ts";
import type { CaseContext, CaseResult, ConformanceCase, ConformanceOptions, Need, PlannedCase } from "./types.ts";

export const DEFAULT_CASE_TIMEOUT_MS = 30_000;
const CLEANUP_TIMEOUT_MS = 20_000;

/** The group filter in effect: `options.groups`, else env STOWAGE_KIT_GROUPS, else everything. */
export function groupFilter(options: Pick<ConformanceOptions, "groups">): readonly string[] | undefined {
  const fromEnv = process.env.STOWAGE_KIT_GROUPS?.split(",").map((s) => s.trim()).filter(Boolean);
  const filters = options.groups ?? (fromEnv && fromEnv.length > 0 ? fromEnv : undefined);
  if (!filters) return undefined;
  for (const f of filters) {
    if (!conformanceGroups.some((g) => matches(g, f))) {
      throw new Error(`conformance: unknown group ${JSON.stringify(f)}; groups are ${conformanceGroups.join(", ")}`);
    }
  }
  return filters;
}

/** `kv` matches `kv/list`; `kv/list` matches itself and its cases `kv/list/...`. */
function matches(idOrGroup: string, filter: string): boolean {
  return idOrGroup === filter || idOrGroup.startsWith(`${filter}/`);
}

function checkSkipOption(options: ConformanceOptions): void {
  for (const id of Object.keys(options.skip ?? {})) {
    if (!allCases.some((c) => matches(c.fullId, id))) {
      throw new Error(`conformance: skip names unknown case or group ${JSON.stringify(id)}`);
    }
  }
}

/**
 * Multiplies every case time limit (env STOWAGE_KIT_TIMEOUT_SCALE, default 1), for slow CI
 * machines or remote databases.
 */
export function caseTimeout(c: ConformanceCase): number {
  const scale = Number(process.env.STOWAGE_KIT_TIMEOUT_SCALE ?? 1);
  return Math.max(1, Math.round((c.timeoutMs ?? DEFAULT_CASE_TIMEOUT_MS) * (scale > 0 ? scale : 1)));
}

function missingNeed(need: Need, caps: DriverCapabilities, options: ConformanceOptions): string | undefined {
  if (need === "unreachable") return options.openUnreachable ? undefined : "no openUnreachable given";
  if (need === "badCredentials") return options.openWithBadCredentials ? undefined : "no openWithBadCredentials given";
  return caps[need] ? undefined : `driver declares ${need}: false`;
}

/** Every case of the selected groups, each runnable or skipped with its reason. */
export function collectCases(options: ConformanceOptions, capabilities: DriverCapabilities): PlannedCase[] {
  checkSkipOption(options);
  const filters = groupFilter(options);
  const planned: PlannedCase[] = [];
  for (const c of allCases) {
    if (filters && !filters.some((f) => matches(c.group, f) || matches(c.fullId, f))) continue;
    const skipKey = Object.keys(options.skip ?? {}).find((id) => matches(c.fullId, id));
    if (skipKey !== undefined) {
      planned.push({ case: c, skipReason: options.skip?.[skipKey] ?? "skipped", skipLabel: "skip option" });
      continue;
    }
    const missing = (c.needs ?? []).map((n) => [n, missingNeed(n, capabilities, options)] as const).find(([, why]) => why);
    if (missing) {
      planned.push({ case: c, skipReason: missing[1] as string, skipLabel: missing[0] });
      continue;
    }
    if (c.without && capabilities[c.without]) {
      planned.push({ case: c, skipReason: `driver declares ${c.without}: true`, skipLabel: `only without ${c.without}` });
      continue;
    }
    planned.push({ case: c });
  }
  return planned;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  promise.catch(() => {}); // a timed-out case may still fail later: never an unhandled rejection
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function randomRunId(): string {
  return Math.floor(Math.random() * 36 ** 6).toString(36).padStart(6, "0");
}

export class Harness {
  readonly options: ConformanceOptions;
  readonly clock = new TestClock();
  /** Random per run, so test files running at once against one server never share a name. */
  readonly runId = randomRunId();
  readonly results: CaseResult[] = [];
  #counter = 0;
  #driver: Driver | undefined;
  #store: Store | undefined;
  #setupError: unknown;

  constructor(options: ConformanceOptions) {
    if (!options || typeof options.name !== "string" || typeof options.open !== "function") {
      throw new Error("runConformance needs { name, open }");
    }
    this.options = options;
  }

  /** Capabilities of the driver, read from a driver opened and closed at once (for planning). */
  async probe(): Promise<DriverCapabilities> {
    const driver = await this.options.open();
    try {
      return { ...driver.capabilities };
    } finally {
      await driver.close();
    }
  }

  /** Opens the one driver (and store) every case shares. */
  async setup(): Promise<DriverCapabilities> {
    try {
      this.#driver = await this.options.open();
      this.#store = createStore(this.#driver, { now: this.clock.now });
      return this.#driver.capabilities;
    } catch (error) {
      this.#setupError = error;
      throw error;
    }
  }

  async teardown(): Promise<void> {
    await this.#store?.close();
    this.#store = undefined;
  }

  /** A unique name: `k<runId>_<n>` or `g<runId>_<n>`. */
  nextName(kind: "kv" | "graph"): string {
    return `${kind === "kv" ? "k" : "g"}${this.runId}_${++this.#counter}`;
  }

  recordSkip(p: PlannedCase): CaseResult {
    const result: CaseResult = {
      id: p.case.fullId,
      group: p.case.group,
      title: p.case.title,
      status: "skipped",
      skipReason: p.skipReason ?? "skipped",
      skipLabel: p.skipLabel ?? "skipped",
      durationMs: 0,
    };
    this.results.push(result);
    return result;
  }

  /** Runs one case with a fresh context, cleans up after it, records and returns the result. */
  async runCase(c: ConformanceCase): Promise<CaseResult> {
    const started = performance.now();
    let error: unknown;
    const names = { kv: new Set<string>(), graph: new Set<string>() };
    const deferred: (() => unknown)[] = [];
    this.clock.reset();
    const store = this.#store;
    if (!store) {
      error = new Error("the conformance driver is not open (setup failed)", { cause: this.#setupError });
    } else {
      const t = this.#context(store, this.#driver as Driver, names, deferred);
      try {
        await withTimeout(Promise.resolve().then(() => c.run(t)), caseTimeout(c), `case ${c.fullId}`);
      } catch (e) {
        error = e;
      }
      const cleanupError = await this.#cleanup(store, names, deferred);
      if (error === undefined && cleanupError !== undefined) error = cleanupError;
    }
    this.clock.reset();
    const result: CaseResult = {
      id: c.fullId,
      group: c.group,
      title: c.title,
      status: error === undefined ? "passed" : "failed",
      ...(error === undefined ? {} : { error }),
      durationMs: performance.now() - started,
    };
    this.results.push(result);
    return result;
  }

  #context(store: Store, driver: Driver, names: { kv: Set<string>; graph: Set<string> }, deferred: (() => unknown)[]): CaseContext {
    const h = this;
    const track = (kind: "kv" | "graph", name: string) => {
      names[kind].add(name);
      return name;
    };
    const openDriver = async () => {
      const driver = await h.options.open();
      deferred.push(() => driver.close());
      return driver;
    };
    return {
      name: h.options.name,
      store,
      driver,
      capabilities: store.capabilities,
      clock: h.clock,
      kv: () => store.kv(track("kv", h.nextName("kv"))),
      graph: () => store.graph(track("graph", h.nextName("graph"))),
      freshName: (kind) => track(kind, h.nextName(kind)),
      track,
      openDriver,
      async openStore() {
        const s = createStore(await openDriver(), { now: h.clock.now });
        deferred.push(() => s.close());
        return s;
      },
      async openUnreachable() {
        if (!h.options.openUnreachable) throw new Error("no openUnreachable given");
        let driver: Driver;
        try {
          driver = await h.options.openUnreachable();
        } catch (error) {
          throw new Error(
            `openUnreachable() threw instead of returning a driver: it must return a driver aimed at the dead endpoint without connecting, whose every call then fails with UnavailableError (got: ${(error as Error)?.message ?? String(error)})`,
            { cause: error },
          );
        }
        deferred.push(() => driver.close());
        return driver;
      },
      async openWithBadCredentials(secret) {
        if (!h.options.openWithBadCredentials) throw new Error("no openWithBadCredentials given");
        const driver = await h.options.openWithBadCredentials(secret);
        deferred.push(() => driver.close());
        return driver;
      },
      defer: (fn) => {
        deferred.push(fn);
      },
    };
  }

  async #cleanup(store: Store, names: { kv: Set<string>; graph: Set<string> }, deferred: (() => unknown)[]): Promise<unknown> {
    let first: unknown;
    for (const fn of deferred.reverse()) {
      try {
        await withTimeout(Promise.resolve().then(fn), CLEANUP_TIMEOUT_MS, "clean-up");
      } catch (e) {
        first ??= e;
      }
    }
    if (store.closed) return first;
    for (const ns of names.kv) {
      try {
        await withTimeout(store.kv(ns).clear(), CLEANUP_TIMEOUT_MS, `clean-up of namespace ${ns}`);
      } catch (e) {
        first ??= new Error(`clean-up: clearing namespace ${ns} failed`, { cause: e });
      }
    }
    if (store.capabilities.graph) {
      for (const g of names.graph) {
        try {
          await withTimeout(store.graph(g).clear(), CLEANUP_TIMEOUT_MS, `clean-up of graph ${g}`);
        } catch (e) {
          first ??= new Error(`clean-up: clearing graph ${g} failed`, { cause: e });
        }
      }
    }
    return first;
  }

  counts(): { passed: number; failed: number; skipped: number } {
    const n = (s: CaseResult["status"]) => this.results.filter((r) => r.status === s).length;
    return { passed: n("passed"), failed: n("failed"), skipped: n("skipped") };
  }

  /** One line: "conformance[memory]: 183 passed, 0 failed, 4 skipped (ttl: 3, unreachable: 1)". */
  summary(): string {
    const { passed, failed, skipped } = this.counts();
    const labels = new Map<string, number>();
    for (const r of this.results) {
      if (r.status !== "skipped") continue;
      const label = r.skipLabel ?? "skipped";
      labels.set(label, (labels.get(label) ?? 0) + 1);
    }
    const why = labels.size > 0 ? ` (${[...labels].map(([k, v]) => `${k}: ${v}`).join(", ")})` : "";
    const setup = this.#setupError === undefined ? "" : " — the driver failed to open";
    return `conformance[${this.options.name}]: ${passed} passed, ${failed} failed, ${skipped} skipped${why}${setup}`;
  }
}

export interface RunReport {
  readonly results: CaseResult[];
  readonly summary: string;
  /** Ids of the cases that failed. */
  readonly failed: string[];
  readonly passed: string[];
}

/**
 * Runs the kit without vitest registration and returns every result (it never throws for a
 * failing case). `only`: case ids or groups (prefixes) to run, or a predicate.
 */
export async function runCases(
  options: ConformanceOptions,
  only?: readonly string[] | ((c: ConformanceCase) => boolean),
): Promise<RunReport> {
  const harness = new Harness(options);
  const caps = await harness.setup();
  try {
    const keep = (c: ConformanceCase) =>
      only === undefined ? true : typeof only === "function" ? only(c) : only.some((f) => matches(c.fullId, f));
    for (const p of collectCases(options, caps)) {
      if (!keep(p.case)) continue;
      if (p.skipReason !== undefined) harness.recordSkip(p);
      else await harness.runCase(p.case);
    }
  } finally {
    await harness.teardown();
  }
  const results = harness.results;
  return {
    results,
    summary: harness.summary(),
    failed: results.filter((r) => r.status === "failed").map((r) => r.id),
    passed: results.filter((r) => r.status === "passed").map((r) => r.id),
  };
}
