// What each backend module provides, and loading driver packages that may not exist yet.

import type { Driver, Store } from "@stowage/core";
import type { RawOps } from "./scenarios.ts";

export interface OpenBackend {
  readonly store: Store;
  /** raw-same-guarantees: hand-written code keeping what stowage keeps. */
  readonly raw: RawOps;
  /** raw-minimal: the fastest hand-written code for each job, without those guarantees. */
  readonly minimal?: RawOps;
  /** One line for the report: where the data lives, settings that matter. */
  readonly detail: string;
  /** Durability settings of every side, read back from the backend (printed and recorded). */
  durability?(): Promise<string>;
  /** Runs once after seeding, before timing (e.g. statistics, as a server in steady state has). */
  afterSeed?(): Promise<void>;
  /** Removes the raw tables/keys and closes the raw client (the runner clears and closes the store). */
  close(): Promise<void>;
}

export interface Skip {
  readonly skip: string;
}

export interface BackendOptions {
  /** SQLite `synchronous` for both sides (libsql only): "FULL" (default) or "NORMAL". */
  readonly sqliteSync: "FULL" | "NORMAL";
}

export interface Backend {
  readonly name: string;
  /** `run` is unique per run: use it in names so that nothing collides with other data. */
  open(run: string, options: BackendOptions): Promise<OpenBackend | Skip>;
}

export type DriverFactory = (options: Record<string, unknown>) => Driver;

/**
 * Imports a driver package by name and returns its factory, or why it cannot be used. The
 * specifier is a variable on purpose: the bench must typecheck and run while drivers are still
 * being written (their scenarios are skipped with the reason).
 */
export async function loadFactory(pkg: string, factory: string): Promise<DriverFactory | Skip> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pkg)) as Record<string, unknown>;
  } catch (error) {
    return { skip: `${pkg} could not be loaded (${firstLine(error)})` };
  }
  const fn = mod[factory];
  if (typeof fn !== "function") return { skip: `${pkg} does not export ${factory}() yet` };
  return fn as DriverFactory;
}

export function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split("\n")[0] ?? text;
}

export function isSkip(value: unknown): value is Skip {
  return typeof value === "object" && value !== null && "skip" in value;
}
