// Accepted plain TCP connections that read into one shared buffer (net.Socket's `onread`) instead of through the
// socket's Readable: Node otherwise allocates 64 KiB per read, shrinks it to what came, and pushes it through
// readableAddChunk and a 'data' event. node:net offers `onread` only to sockets it connects, so the accepted native
// handle (the server is made with `pauseOnConnect`, so nothing was read from it) moves to a socket constructed
// with one. Measured for issue 16: a bare Node server answering from memory spent ~9 µs of CPU per request this way
// against ~11–12 µs through 'data'; the gateway, in paired runs, ~6–8 % less per request.
//
// Until a reader is set (the gateway's HTTP/1.1 connection sets one), every read is pushed into the Readable, so
// the socket behaves as any other for whoever takes it: the protocol sniff's once('data'), unshift, node:tls and
// node:http2 (which take the native handle over), an upgraded connection's pipe.
import net from "node:net";
import { Duplex } from "node:stream";
import { denoVersion } from "./runtime.js";

/**
 * Shared by every direct-read socket of the process: a read is copied out (into a buffer of its own, small ones from
 * Node's pool) before the callback returns, so the next read may reuse it.
 */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

/** Internals of node:net this module moves from the accepted socket to its replacement (Node 20–24 name them so). */
interface SocketInternals {
  _handle: object | null;
  _server: net.Server | null;
  server: net.Server | null;
}

export class DirectReadSocket extends net.Socket {
  /** Takes each read instead of the Readable; null: reads are pushed into the Readable ('data', pipe, read()). */
  reader: ((chunk: Buffer) => void) | null = null;

  constructor(handle: object, allowHalfOpen: boolean) {
    let self: DirectReadSocket | undefined;
    // The callback cannot name `this` before super() returns; reads only arrive from a later turn of the loop.
    super({ handle, allowHalfOpen, onread: { buffer: READ_BUFFER, callback: (bytes: number) => self!.#read(bytes) } } as net.SocketConstructorOpts);
    self = this;
  }

  #read(bytes: number): boolean {
    const chunk = Buffer.allocUnsafe(bytes);
    READ_BUFFER.copy(chunk, 0, 0, bytes);
    const reader = this.reader;
    if (reader === null) return this.push(chunk);
    reader(chunk);
    // Pausing goes through socket.pause(), which stops the handle's reads in this mode too (and read() below keeps
    // them stopped); false stops them should anything have restarted them.
    return !this.isPaused();
  }

  // node:net restarts a stopped handle from read() and _read(), which the Readable calls on its own: the resume_ of
  // an earlier resume() (the sniff's, when the connection paused while handling the sniffed bytes) or maybeReadMore.
  // With a reader, nothing waits in the Readable, so a paused socket must not read: else the reader is handed
  // bytes without bound while it holds the socket paused (pipelined requests, a body nobody consumes yet).
  // Both are called from net.Socket's constructor too, before `reader` (and any private member) is defined.
  override read(size?: number): Buffer | string | null {
    if (holding(this)) return Duplex.prototype.read.call(this, size) as Buffer | string | null;
    return super.read(size) as Buffer | string | null;
  }

  override _read(size: number): void {
    if (!holding(this)) super._read(size);
  }
}

/** A reader takes the socket's reads and has paused it. */
function holding(socket: DirectReadSocket): boolean {
  return typeof socket.reader === "function" && socket.isPaused();
}

/** Whether accepted sockets can be moved to a DirectReadSocket here (Node; Deno's node:net has no native handle to move). */
export const directReadsSupported = denoVersion === undefined;

/**
 * The socket to serve `accepted` (just accepted by `server`, made with `pauseOnConnect: true`) with: a
 * DirectReadSocket on its native handle, or `accepted` itself (resumed) where the handle cannot be moved.
 */
export function takeOverAccepted(accepted: net.Socket, server: net.Server): net.Socket {
  const internals = accepted as unknown as SocketInternals;
  const handle = internals._handle;
  if (!directReadsSupported || handle === null || typeof handle !== "object" || internals._server !== server || accepted.readableLength > 0) {
    accepted.resume();
    return accepted;
  }
  internals._handle = null;
  // The server counts its connections (server.close() waits for them) through the socket's _server: the
  // replacement carries the count, the husk left behind must not give it back.
  internals._server = null;
  internals.server = null;
  const socket = new DirectReadSocket(handle, accepted.allowHalfOpen);
  const moved = socket as unknown as SocketInternals;
  moved._server = server;
  moved.server = server;
  return socket;
}
