// The event methods of the server's per-request objects (Http1Request, Http1Response), backed by an EventEmitter
// made on the first listener: most requests never get one (a GET's body, a response only the gateway's forwarding
// watches, through its own hook), and an EventEmitter per object was a measurable part of each request (issue 16).
// Unlike EventEmitter, an "error" emitted with no listener is not thrown: these objects never emit one.
import { EventEmitter } from "node:events";

type Listener = Parameters<EventEmitter["on"]>[1];

export class LazyEvents {
  #emitter: EventEmitter | undefined;

  on(event: string, listener: Listener): this {
    (this.#emitter ??= new EventEmitter()).on(event, listener);
    return this;
  }

  addListener(event: string, listener: Listener): this {
    return this.on(event, listener);
  }

  once(event: string, listener: Listener): this {
    (this.#emitter ??= new EventEmitter()).once(event, listener);
    return this;
  }

  off(event: string, listener: Listener): this {
    this.#emitter?.off(event, listener);
    return this;
  }

  removeListener(event: string, listener: Listener): this {
    return this.off(event, listener);
  }

  removeAllListeners(event?: string): this {
    if (event === undefined) this.#emitter?.removeAllListeners();
    else this.#emitter?.removeAllListeners(event);
    return this;
  }

  emit(event: string, ...args: unknown[]): boolean {
    return this.#emitter !== undefined && this.#emitter.emit(event, ...args);
  }

  listenerCount(event: string): number {
    return this.#emitter === undefined ? 0 : this.#emitter.listenerCount(event);
  }
}
