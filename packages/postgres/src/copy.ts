// `COPY … FROM STDIN` of a ready-made payload through postgres.js, failing instead of hanging.

import type { Sql } from "postgres";
import type { Track } from "./deadline.ts";

/**
 * Sends `data` to `COPY … FROM STDIN` (`text`) on `sql` (a transaction). postgres.js resolves the
 * query with a writable stream; when the server then refuses the data (or the connection drops,
 * or the deadline cancels it), it only rejects that already-resolved query, and the stream's end
 * never comes. So the query's `reject` is observed too: the copy settles either way.
 */
export async function copyIn(
  sql: Sql,
  track: Track,
  text: string,
  data: Uint8Array,
): Promise<void> {
  const query = track(sql.unsafe(text));
  const failed = new Promise<never>((_, reject) => {
    const q = query as unknown as { reject: (error: unknown) => unknown };
    const original = q.reject;
    q.reject = (error: unknown) => {
      reject(error);
      return original(error);
    };
  });
  failed.catch(() => {}); // observed below; never an unhandled rejection
  const stream = await Promise.race([query.writable(), failed]);
  await Promise.race([
    new Promise<void>((resolve, reject) => {
      stream.once("error", reject);
      stream.end(data, () => resolve());
    }),
    failed,
  ]);
}
