// A sorted array of strings in UTF-8 byte order, with binary search: the ordered index behind
// key listing and node listing.

import { compareUtf8 } from "@stowage/core";

export class SortedKeys {
  readonly #items: string[] = [];

  get size(): number {
    return this.#items.length;
  }

  /** Index of the first item >= key. */
  lowerBound(key: string): number {
    let lo = 0;
    let hi = this.#items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareUtf8(this.#items[mid] as string, key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Index of the first item > key. */
  upperBound(key: string): number {
    const i = this.lowerBound(key);
    return this.#items[i] === key ? i + 1 : i;
  }

  insert(key: string): void {
    const i = this.lowerBound(key);
    if (this.#items[i] !== key) this.#items.splice(i, 0, key);
  }

  remove(key: string): void {
    const i = this.lowerBound(key);
    if (this.#items[i] === key) this.#items.splice(i, 1);
  }

  at(index: number): string | undefined {
    return this.#items[index];
  }

  /** Items from `start` on, in order. */
  *from(start: number): IterableIterator<string> {
    for (let i = start; i < this.#items.length; i++) yield this.#items[i] as string;
  }
}
