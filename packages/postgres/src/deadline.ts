// A per-call deadline: postgres.js has connect and statement timeouts but no limit on the whole
// call. The call's queries are tracked:
// - still queued (no connection) at `ms`: the call fails, its queries are withdrawn (they never run);
// - running on the server: every `ms / 2` the server is asked whether it is alive (`alive()`, a
//   `SELECT 1` on a connection of its own); the call fails only when it is not, so large batches
//   and deep traversals are never cut short by a live server. The server is asked to cancel
//   what was running, which may still have committed: the outcome of a timed-out write is unknown.

/** Something postgres.js can cancel (a pending query); `state` is set once it was sent. */
interface Cancellable {
  cancel(): unknown;
  readonly state?: unknown;
}

/** Registers a query of the call; returns it unchanged. */
export type Track = <Q extends object>(query: Q) => Q;

function cancel(query: Cancellable): void {
  try {
    Promise.resolve(query.cancel()).catch(() => {}); // the server may be gone: nothing to cancel
  } catch {
    // already finished
  }
}

export interface DeadlineOptions {
  /** The bound (0: none). */
  readonly ms: number;
  /** The error of a call past the bound. */
  readonly timedOut: () => Error;
  /** Resolves true when the server answers a trivial query within `ms / 2`. */
  readonly alive: () => Promise<boolean>;
}

/** Runs `fn` within the deadline described above. */
export function withDeadline<T>(
  options: DeadlineOptions,
  fn: (track: Track) => Promise<T>,
): Promise<T> {
  const { ms } = options;
  if (ms === 0) return fn((q) => q);
  const queries: Cancellable[] = [];
  let settled = false;
  const track: Track = (query) => {
    if (settled) cancel(query as unknown as Cancellable);
    else queries.push(query as unknown as Cancellable);
    return query;
  };
  return new Promise<T>((resolve, reject) => {
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const expire = (): void => {
      if (settled) return;
      settled = true;
      for (const query of queries) cancel(query);
      reject(options.timedOut());
    };
    const tick = (): void => {
      if (settled) return;
      const running = queries.some((q) => q.state != null);
      if (!running) {
        const left = ms - (performance.now() - started);
        if (left <= 0) {
          expire();
          return;
        }
        timer = setTimeout(tick, Math.min(left, ms / 2));
        return;
      }
      options.alive().then((ok) => {
        if (!ok) return expire();
        if (!settled) timer = setTimeout(tick, ms / 2);
      }, expire);
    };
    timer = setTimeout(tick, ms / 2);
    fn(track).then(
      (value) => {
        settled = true;
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** `alive()` shared by concurrent calls: one probe at a time, its answer kept for `reuseMs`. */
export function sharedProbe(
  probe: () => Promise<unknown>,
  timeoutMs: number,
  reuseMs = 250,
): () => Promise<boolean> {
  let pending: Promise<boolean> | undefined;
  let answeredAt = Number.NEGATIVE_INFINITY;
  let answer = true;
  return () => {
    if (performance.now() - answeredAt < reuseMs) return Promise.resolve(answer);
    pending ??= new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      probe().then(
        () => {
          clearTimeout(timer);
          resolve(true);
        },
        () => {
          clearTimeout(timer);
          resolve(false);
        },
      );
    }).then((ok) => {
      answer = ok;
      answeredAt = performance.now();
      pending = undefined;
      return ok;
    });
    return pending;
  };
}
