// The CLI ships with every driver: it registers each URL scheme with core, loaded on first use from
// the CLI's own dependencies (so `stowage check --url redis://…` never loads the PostgreSQL client).

import { registerDriver } from "@stowage/core";
import type { DriverModule } from "@stowage/core";

const memory = () => import("@stowage/memory") as Promise<DriverModule>;
const libsql = () => import("@stowage/libsql") as Promise<DriverModule>;
const postgres = () => import("@stowage/postgres") as Promise<DriverModule>;
const redis = () => import("@stowage/redis") as Promise<DriverModule>;

const schemes: Record<string, () => Promise<DriverModule>> = {
  memory,
  file: libsql,
  libsql,
  sqlite: libsql,
  http: libsql,
  https: libsql,
  ws: libsql,
  wss: libsql,
  postgres,
  postgresql: postgres,
  redis,
  rediss: redis,
};

let done = false;

/** Registers the bundled drivers with core's `openStore` (idempotent). */
export function registerBundledDrivers(): void {
  if (done) return;
  done = true;
  for (const [scheme, load] of Object.entries(schemes)) registerDriver(scheme, load);
}
