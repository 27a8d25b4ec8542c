// Public option types of the kit and the shape of a case.

import type { Driver, DriverCapabilities, Graph, KV, Props, Store } from "@stowage/core";
import type { TestClock } from "./clock.ts";

export interface ConformanceOptions {
  /** Shown in titles: "conformance[redis] kv/list › ...". */
  readonly name: string;
  /** A new driver over the SAME backend data on every call. */
  readonly open: () => Driver | Promise<Driver>;
  /** A driver aimed at a dead endpoint (enables the unreachable cases). */
  readonly openUnreachable?: () => Driver | Promise<Driver>;
  /**
   * A driver over the real backend with wrong credentials whose password (or token) is `secret`
   * (enables the errors/bad-credentials cases: the secret must show in no rendering of an error).
   */
  readonly openWithBadCredentials?: (secret: string) => Driver | Promise<Driver>;
  /** Run only these groups; a prefix selects its subgroups ("kv" = every kv/*). Default: env STOWAGE_KIT_GROUPS, else all. */
  readonly groups?: readonly string[];
  /** Case id (or group) → reason, for known gaps; shown in the title of the skipped case. */
  readonly skip?: Readonly<Record<string, string>>;
}

/** What a case may need. Capability flags come from the driver; `unreachable` from the options. */
export type Need = "graph" | "ttl" | "cas" | "atomicBatches" | "nativeTraversal" | "persistent" | "shared" | "unreachable" | "badCredentials";

/** A case as written in src/cases. */
export interface CaseDef {
  /** Short slug, unique within its group. */
  readonly id: string;
  readonly title: string;
  /** Capabilities the case needs; it is skipped (reason in the title) when one is missing. */
  readonly needs?: readonly Need[];
  /** Runs only when the driver does NOT declare this capability (checks the UnsupportedError path). */
  readonly without?: Exclude<Need, "unreachable" | "badCredentials">;
  /** Per-case time limit (default 30 s). */
  readonly timeoutMs?: number;
  run(t: CaseContext): Promise<void>;
}

/** A case with its group: what the runner plans and runs. */
export interface ConformanceCase extends CaseDef {
  /** `${group}/${slug}`, e.g. "kv/list/byte-order". */
  readonly fullId: string;
  readonly group: string;
}

/** What each case gets: the shared store, fresh names, the clock, extra instances. */
export interface CaseContext {
  /** The name given to runConformance. */
  readonly name: string;
  /** The store over the one driver of this run; its clock is `clock.now`. */
  readonly store: Store;
  /** The driver behind `store`: only for checks of the SPI contract itself (e.g. capabilities). */
  readonly driver: Driver;
  readonly capabilities: DriverCapabilities;
  readonly clock: TestClock;
  /** A fresh, unique namespace, cleared after the case. */
  kv<V = unknown>(): KV<V>;
  /** A fresh, unique graph, cleared after the case. */
  graph<NP extends Props = Props, EP extends Props = Props>(): Graph<NP, EP>;
  /** A fresh unique name (cleared after the case as a namespace or a graph). */
  freshName(kind: "kv" | "graph"): string;
  /** Registers a name built by the case (e.g. `${fresh}.x`) for clean-up. */
  track(kind: "kv" | "graph", name: string): string;
  /** Another driver over the same backend, wrapped in a store with the kit clock; closed after the case. */
  openStore(): Promise<Store>;
  /** Another raw driver over the same backend; closed after the case. */
  openDriver(): Promise<Driver>;
  /** A driver aimed at a dead endpoint; closed after the case. */
  openUnreachable(): Promise<Driver>;
  /** A driver with wrong credentials whose password is `secret`; closed after the case. */
  openWithBadCredentials(secret: string): Promise<Driver>;
  /** Runs after the case (last registered first). */
  defer(fn: () => unknown): void;
}

export type CaseStatus = "passed" | "failed" | "skipped";

export interface CaseResult {
  readonly id: string;
  readonly group: string;
  readonly title: string;
  readonly status: CaseStatus;
  /** Why it was skipped. */
  readonly skipReason?: string;
  /** Short label for the summary ("ttl", "unreachable", "skip option"...). */
  readonly skipLabel?: string;
  readonly error?: unknown;
  readonly durationMs: number;
}

/** A case as planned for one driver: runnable, or skipped with the reason. */
export interface PlannedCase {
  readonly case: ConformanceCase;
  /** Set when the case is skipped. */
  readonly skipReason?: string;
  /** Short label for the summary ("ttl", "unreachable", "skip option"...). */
  readonly skipLabel?: string;
}
