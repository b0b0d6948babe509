// The gateway's HTTP/1.1 server on a real 127.0.0.1 socket, with an echo handler by default, and a raw client that
// sends bytes in the pieces a test chooses and reads until the server closes the connection.
import net from "node:net";
import { createHttp1Server, type Http1Handlers, type Http1Request, type Http1Response, type Http1Server, type Http1ServerOptions } from "../../../../functions/gateway/node/http1-server/index.js";

export interface Echo {
  method: string;
  url: string;
  version: string;
  authority: string;
  headers: Record<string, string | string[]>;
  body: string;
}

/** Reads the whole body, then answers 200 with the request as JSON (content-length framed). */
export function echo(request: Http1Request, response: Http1Response): void {
  const chunks: Buffer[] = [];
  request.on("data", (chunk: Buffer) => chunks.push(Buffer.from(chunk)));
  request.on("end", () => {
    const { proxied } = request;
    const answer: Echo = { method: request.method, url: request.url, version: request.httpVersion, authority: proxied.authority, headers: proxied.headers, body: Buffer.concat(chunks).toString("latin1") };
    response.writeHead(200, { "content-type": "application/json" });
    response.end(Buffer.from(JSON.stringify(answer), "latin1"));
  });
  request.resume();
}

export interface TestServer {
  port: number;
  server: Http1Server;
  /** Requests the handler was called with, in order. */
  requests: Http1Request[];
  close(): Promise<void>;
}

export async function startTestServer(options: Partial<Http1ServerOptions> = {}, handlers: Partial<Http1Handlers> = {}): Promise<TestServer> {
  const requests: Http1Request[] = [];
  const request = handlers.request ?? echo;
  const server = createHttp1Server(
    {
      request: (incoming, response) => {
        requests.push(incoming);
        request(incoming, response);
      },
      upgrade: handlers.upgrade ?? ((_request, socket) => socket.destroy()),
    },
    options,
  );
  const sockets = new Set<net.Socket>();
  const listener = net.createServer({ noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
    server.accept(socket, socket);
  });
  await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
  const port = (listener.address() as net.AddressInfo).port;
  return {
    port,
    server,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        listener.close(() => resolve());
      }),
  };
}

export interface Conversation {
  /** Everything the server sent, latin1. */
  received: string;
  /** The server closed (or ended) the connection. */
  closed: boolean;
}

const nextTurn = () => new Promise<void>((resolve) => setTimeout(resolve, 1));

/** Sends each piece as its own write (a turn of the event loop apart), then reads until the server closes. */
export function converse(port: number, pieces: (string | Buffer)[]): Promise<Conversation> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: "127.0.0.1", port, noDelay: true });
    let received = "";
    socket.on("data", (data: Buffer) => (received += data.toString("latin1")));
    socket.once("error", reject);
    socket.once("close", () => resolve({ received, closed: true }));
    socket.once("connect", async () => {
      for (const piece of pieces) {
        if (socket.destroyed) return;
        socket.write(typeof piece === "string" ? Buffer.from(piece, "latin1") : piece);
        await nextTurn();
      }
    });
  });
}

/** A raw client kept open: send, and wait until what was received satisfies a predicate. */
export class RawClient {
  readonly socket: net.Socket;
  received = "";
  closed = false;
  readonly #waiters: (() => void)[] = [];

  constructor(port: number) {
    this.socket = net.connect({ host: "127.0.0.1", port, noDelay: true });
    this.socket.on("data", (data: Buffer) => {
      this.received += data.toString("latin1");
      this.#wake();
    });
    this.socket.on("error", () => {});
    this.socket.once("close", () => {
      this.closed = true;
      this.#wake();
    });
  }

  send(data: string | Buffer): void {
    this.socket.write(typeof data === "string" ? Buffer.from(data, "latin1") : data);
  }

  /** Resolves once `ready(received)` holds (or the connection closed: then the caller's assertions decide). */
  async until(ready: (received: string) => boolean): Promise<string> {
    while (!ready(this.received) && !this.closed) await new Promise<void>((resolve) => this.#waiters.push(resolve));
    return this.received;
  }

  untilClosed(): Promise<string> {
    return this.until(() => false);
  }

  #wake(): void {
    for (const waiter of this.#waiters.splice(0)) waiter();
  }

  close(): void {
    this.socket.destroy();
  }
}

export interface ParsedResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Splits a run of content-length or chunked framed responses (what the server sent on one connection). */
export function parseResponses(text: string): ParsedResponse[] {
  const responses: ParsedResponse[] = [];
  let at = 0;
  while (at < text.length) {
    const end = text.indexOf("\r\n\r\n", at);
    if (end === -1) throw new Error(`incomplete response head: ${JSON.stringify(text.slice(at))}`);
    const [statusLine, ...lines] = text.slice(at, end).split("\r\n");
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(":");
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    at = end + 4;
    let body = "";
    if (headers["content-length"] !== undefined) {
      body = text.slice(at, at + Number(headers["content-length"]));
      at += body.length;
    } else if (headers["transfer-encoding"] === "chunked") {
      for (;;) {
        const lineEnd = text.indexOf("\r\n", at);
        const size = parseInt(text.slice(at, lineEnd), 16);
        at = lineEnd + 2;
        if (size === 0) {
          at = text.indexOf("\r\n\r\n", at - 2) + 4;
          break;
        }
        body += text.slice(at, at + size);
        at += size + 2;
      }
    }
    const status = Number(statusLine!.split(" ")[1]);
    responses.push({ status, headers, body });
  }
  return responses;
}
