// The live progress line of long commands: records, records/s, phase, current namespace or graph,
// elapsed time, and a bar when the total is known. Drawn on stderr, at most ten times a second,
// only when the terminal can show it; otherwise nothing (the command prints its summary at the end).

import { redactSecrets } from "@stowage/core";
import { clock, count, rate } from "./format.ts";
import type { TextStream } from "./output.ts";

export interface ProgressState {
  readonly records: number;
  readonly phase?: string;
  readonly name?: string;
}

const BAR_WIDTH = 20;

export class ProgressLine {
  readonly #stream: TextStream;
  readonly #enabled: boolean;
  readonly #label: string;
  readonly #started = performance.now();
  #total: number | undefined;
  #last = 0;
  #state: ProgressState = { records: 0 };
  #drawn = false;

  constructor(stream: TextStream, label: string, enabled: boolean) {
    this.#stream = stream;
    this.#label = label;
    this.#enabled = enabled;
  }

  /** Whether the line is drawn at all (callers skip work, such as counting a total, when not). */
  get enabled(): boolean {
    return this.#enabled;
  }

  /** The number of records expected, when known (draws a bar and a percentage). */
  setTotal(total: number | undefined): void {
    this.#total = total;
  }

  update(state: ProgressState, force = false): void {
    this.#state = state;
    if (!this.#enabled) return;
    const now = performance.now();
    if (!force && now - this.#last < 100) return;
    this.#last = now;
    this.#draw(now);
  }

  /** Milliseconds since the command started. */
  elapsed(): number {
    return performance.now() - this.#started;
  }

  /** Removes the line, so the summary starts on a clean line. */
  clear(): void {
    if (this.#drawn) this.#stream.write("\r\x1b[2K");
    this.#drawn = false;
  }

  #draw(now: number): void {
    const { records, phase, name } = this.#state;
    const ms = now - this.#started;
    const parts = [this.#label];
    if (phase) parts.push(name ? `${phase} ${name}` : phase);
    const total = this.#total;
    if (total !== undefined && total > 0) {
      const ratio = Math.min(1, records / total);
      const filled = Math.round(ratio * BAR_WIDTH);
      parts.push(
        `[${"#".repeat(filled)}${"-".repeat(BAR_WIDTH - filled)}] ${Math.floor(ratio * 100)}%`,
      );
      parts.push(`${count(records)}/${count(total)} records`);
    } else {
      parts.push(`${count(records)} records`);
    }
    parts.push(`${count(rate(records, ms))} rec/s`, clock(ms));
    let text = redactSecrets(parts.join(" · "));
    const width = this.#stream.columns;
    if (width && text.length > width - 1) text = `${text.slice(0, width - 2)}…`;
    this.#stream.write(`\r\x1b[2K${text}`);
    this.#drawn = true;
  }
}
