// libSQL's native close() does not release the database file (the file, `-wal`, `-shm`): every
// prepared statement object holds the native connection until the garbage collector finalizes
// it, which in a busy process can be never. close() therefore forces one collection when the
// descriptors are still open and waits for the finalizers, so a closed store's file can be
// deleted, moved or unmounted at once. Linux: checked through /proc/self/fd; elsewhere the
// collection runs unconditionally (best effort).

import { readdirSync, readlinkSync, realpathSync } from "node:fs";
import path from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

let collect: (() => void) | null | undefined;

/** `gc()` of this isolate, exposed at run time (the `--expose-gc` flag for a new context). */
function gc(): (() => void) | null {
  if (collect !== undefined) return collect;
  try {
    const exposed = (globalThis as { gc?: () => void }).gc;
    if (typeof exposed === "function") collect = exposed;
    else {
      setFlagsFromString("--expose-gc");
      collect = runInNewContext("gc") as () => void;
    }
  } catch {
    collect = null;
  }
  return collect;
}

/** The absolute path of a local `file:` URL's database, or undefined. */
export function databasePath(url: string): string | undefined {
  if (!/^file:/i.test(url)) return undefined;
  let file = url.slice(5).replace(/[?#].*$/, "");
  if (file.startsWith("//")) file = file.slice(2); // file:///abs
  if (file === "" || /^:memory:/i.test(file)) return undefined;
  try {
    file = decodeURIComponent(file);
  } catch {
    // keep as written
  }
  const absolute = path.resolve(file);
  try {
    return path.join(realpathSync(path.dirname(absolute)), path.basename(absolute));
  } catch {
    return absolute;
  }
}

function openDescriptors(file: string): boolean {
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      if (
        target === file ||
        target === `${file}-wal` ||
        target === `${file}-shm` ||
        target === `${file}-journal`
      )
        return true;
    } catch {
      // closed meanwhile
    }
  }
  return false;
}

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves once no descriptor of `file` is open (forcing a collection if needed), or after `maxMs`. */
export async function released(file: string | undefined, maxMs = 500): Promise<void> {
  if (file === undefined) return;
  const deadline = performance.now() + maxMs;
  let watch = process.platform === "linux";
  const open = (): boolean => {
    try {
      return openDescriptors(file);
    } catch {
      watch = false; // no /proc
      return true;
    }
  };
  await tick(0);
  if (watch && !open()) return;
  const collectNow = gc();
  collectNow?.();
  if (!watch) {
    await tick(0);
    return;
  }
  // Finalizers may free objects that held others: collect again while the file stays open.
  for (let i = 1; open() && performance.now() < deadline; i++) {
    await tick(2);
    if (i % 5 === 0) collectNow?.();
  }
}
