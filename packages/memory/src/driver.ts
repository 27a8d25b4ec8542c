// The memory driver: a real driver over an in-process MemoryDatabase.

import { ClosedError, type Driver, type DriverCapabilities } from "@stowage/core";
import { MemoryDatabase, namedDatabase } from "./database.ts";
import { createMemoryGraph } from "./graph.ts";
import { createMemoryKv } from "./kv.ts";
import { createMemoryVectors } from "./vectors.ts";

export interface MemoryDriverOptions {
  /** Share one dataset between several drivers (default: a new, private one). */
  readonly database?: MemoryDatabase;
  /** How often expired entries are swept, in ms (default 60000; 0 disables). Reads never see them. */
  readonly sweepIntervalMs?: number;
}

export function createMemoryDriver(options: MemoryDriverOptions = {}): Driver {
  const db = options.database ?? new MemoryDatabase();
  let closed = false;
  const assertOpen = () => {
    if (closed) throw new ClosedError("the memory driver is closed");
  };
  const interval = options.sweepIntervalMs ?? 60_000;
  // The sweeper only frees memory; it must never keep the process alive.
  const sweeper = interval > 0 ? setInterval(() => db.sweep(Date.now()), interval) : undefined;
  sweeper?.unref();

  const capabilities: DriverCapabilities = {
    kv: true,
    graph: true,
    ttl: true,
    cas: true,
    atomicBatches: true,
    nativeTraversal: false,
    persistent: false,
    shared: options.database !== undefined,
    maxValueBytes: 512 * 1024 * 1024,
    vectors: true,
    approximateVectors: false,
  };

  return {
    name: "memory",
    capabilities,
    kv: createMemoryKv(db, assertOpen),
    graph: createMemoryGraph(db, assertOpen),
    vectors: createMemoryVectors(db, assertOpen),
    async ping() {
      assertOpen();
    },
    async close() {
      closed = true;
      if (sweeper) clearInterval(sweeper);
    },
  };
}

/**
 * For `openStore("memory:")` (a private dataset) and `openStore("memory://name")` (a dataset shared
 * by every store in this process that opens the same name).
 */
export async function openDriver(url: string, options: MemoryDriverOptions = {}): Promise<Driver> {
  const name = /^memory:\/\/([^/?#]+)/i.exec(url)?.[1];
  return createMemoryDriver(name ? { ...options, database: namedDatabase(name) } : options);
}
