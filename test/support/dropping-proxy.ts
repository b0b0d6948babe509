// A TCP proxy in front of meshplane that forwards everything, except that it cuts the connection instead of
// passing on the response to the first request matching a pattern: the request reached the server (and was
// done), the client saw its connection drop. Used to check that a retried create is not done twice.
import net from "node:net";

export interface DroppingProxy {
  url: string;
  /** How many requests whose head matched the pattern went through (the dropped one included). */
  matched(): number;
  close(): Promise<void>;
}

export function startDroppingProxy(targetUrl: string, pattern: RegExp): Promise<DroppingProxy> {
  const target = new URL(targetUrl);
  let matched = 0;
  let dropped = false;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    sockets.add(client).add(upstream);
    let dropNextResponse = false;
    client.on("data", (chunk: Buffer) => {
      if (pattern.test(chunk.toString("latin1"))) {
        matched++;
        if (!dropped) dropNextResponse = dropped = true;
      }
      upstream.write(chunk);
    });
    upstream.on("data", (chunk: Buffer) => {
      if (dropNextResponse) {
        client.destroy();
        upstream.destroy();
        return;
      }
      client.write(chunk);
    });
    const close = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("close", close).on("error", close);
    upstream.on("close", close).on("error", close);
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        matched: () => matched,
        close: () =>
          new Promise((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
