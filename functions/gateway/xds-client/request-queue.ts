// An async queue of outgoing xDS requests that a Connect client consumes as a bidirectional stream's input.

export class RequestQueue<T> implements AsyncIterable<T> {
  readonly #items: T[] = [];
  #wake: (() => void) | null = null;
  #closed = false;

  push(request: T): void {
    if (this.#closed) return;
    this.#items.push(request);
    this.#wake?.();
  }

  /** Ends the request stream (after what is queued is sent). */
  close(): void {
    this.#closed = true;
    this.#wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    // Bounded by close(): every wait ends with a push or the close.
    for (;;) {
      const next = this.#items.shift();
      if (next !== undefined) {
        yield next;
        continue;
      }
      if (this.#closed) return;
      await new Promise<void>((resolve) => (this.#wake = resolve));
      this.#wake = null;
    }
  }
}
