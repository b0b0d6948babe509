// Accepted sockets moved to a DirectReadSocket (reads into one shared buffer): real TCP connections on 127.0.0.1.
import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { DirectReadSocket, takeOverAccepted } from "../../../functions/gateway/node/direct-read-socket.js";

const servers: net.Server[] = [];
const clients: net.Socket[] = [];

afterEach(() => {
  for (const client of clients.splice(0)) client.destroy();
  for (const server of servers.splice(0)) server.close();
});

/** A pauseOnConnect server whose accepted sockets are taken over; resolves with its port and the next taken-over socket. */
async function listen(): Promise<{ server: net.Server; port: number; next: () => Promise<net.Socket> }> {
  const waiting: Array<(socket: net.Socket) => void> = [];
  const server = net.createServer({ pauseOnConnect: true }, (accepted) => {
    const socket = takeOverAccepted(accepted, server);
    socket.on("error", () => socket.destroy());
    waiting.shift()?.(socket);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  return { server, port, next: () => new Promise((resolve) => waiting.push(resolve)) };
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve) => {
    const client = net.connect(port, "127.0.0.1", () => resolve(client));
    clients.push(client);
  });
}

const nextData = (socket: net.Socket) => new Promise<Buffer>((resolve) => socket.once("data", resolve));

describe("takeOverAccepted", () => {
  it("moves the accepted connection to a DirectReadSocket that hands each read to its reader as a buffer of its own", async () => {
    const { port, next } = await listen();
    const accepted = next();
    const client = await connect(port);
    const socket = await accepted;
    expect(socket).toBeInstanceOf(DirectReadSocket);
    const reads: Buffer[] = [];
    (socket as DirectReadSocket).reader = (chunk) => reads.push(chunk);
    client.write("first");
    await expect.poll(() => Buffer.concat(reads).toString()).toBe("first");
    client.write("second");
    await expect.poll(() => Buffer.concat(reads).toString()).toBe("firstsecond");
    // Each read was copied out of the shared buffer: the earlier chunk still says what it said.
    expect(reads[0]!.toString()).toBe("first");
    socket.write("answer");
    expect((await nextData(client)).toString()).toBe("answer");
    expect(socket.remoteAddress).toBe("127.0.0.1");
  });

  it("without a reader behaves as a stream: data events, pause and resume, unshift", async () => {
    const { port, next } = await listen();
    const accepted = next();
    const client = await connect(port);
    const socket = await accepted;
    client.write("sniffed");
    const first = await nextData(socket);
    expect(first.toString()).toBe("sniffed");
    socket.pause();
    socket.unshift(first);
    client.write(" and more");
    const seen: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => seen.push(chunk));
    socket.resume();
    await expect.poll(() => Buffer.concat(seen).toString()).toBe("sniffed and more");
  });

  it("stops reading when its reader paused it while an earlier resume() was pending, and reads on after resume()", async () => {
    const { port, next } = await listen();
    const accepted = next();
    const client = await connect(port);
    const socket = (await accepted) as DirectReadSocket;
    const reads: Buffer[] = [];
    // As the listener's sniff does: pause, resume, hand the socket to a reader that pauses it at once (an HTTP/1.1
    // connection with a pending response and pipelined bytes past its bound).
    const sniffed = new Promise<void>((resolve) =>
      socket.once("data", () => {
        socket.pause();
        socket.resume();
        socket.reader = (chunk) => reads.push(chunk);
        socket.pause();
        resolve();
      }),
    );
    client.write("first");
    await sniffed;
    client.write("held back");
    // The resume_ the Readable scheduled, and a turn of the loop after it.
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect((socket as unknown as { _handle: { reading: boolean } })._handle.reading).toBe(false);
    socket.resume();
    await expect.poll(() => Buffer.concat(reads).toString()).toBe("held back");
  });

  it("keeps the connection counted by its server: close() calls back only once the moved socket has closed", async () => {
    const { server, port, next } = await listen();
    const accepted = next();
    const client = await connect(port);
    const socket = await accepted;
    let closed = false;
    const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
    void serverClosed.then(() => (closed = true));
    // Still open: a round trip on the connection, then the server must still be waiting for it.
    (socket as DirectReadSocket).reader = (chunk) => socket.write(chunk);
    client.write("ping");
    expect((await nextData(client)).toString()).toBe("ping");
    expect(closed).toBe(false);
    const socketClosed = new Promise((resolve) => socket.once("close", resolve));
    client.end();
    await socketClosed;
    await serverClosed;
    expect(closed).toBe(true);
  });

  it("ends the socket when the peer ends its side (allowHalfOpen off, as accepted sockets are)", async () => {
    const { port, next } = await listen();
    const accepted = next();
    const client = await connect(port);
    const socket = await accepted;
    (socket as DirectReadSocket).reader = () => {};
    const clientClosed = new Promise((resolve) => client.once("close", resolve));
    client.end();
    await clientClosed;
    expect(socket.destroyed).toBe(true);
  });
});
