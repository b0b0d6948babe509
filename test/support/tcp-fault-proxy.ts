// A TCP proxy on loopback between a client and a server, for cutting long-lived connections the way a middlebox or
// a restarted edge does: every connection is piped through as it is, and `cutUpgrades()` destroys the connections
// that carried an HTTP upgrade (WebSockets) and refuses new ones, while plain requests keep flowing.
import net from "node:net";

export interface TcpFaultProxy {
  url: string;
  /** Upgrades refused since `cutUpgrades()`. */
  refusedUpgrades(): number;
  /** Destroys every upgraded connection and, from now on, each new connection as soon as it asks for an upgrade. */
  cutUpgrades(): void;
  close(): Promise<void>;
}

const UPGRADE = /\r\nupgrade:\s*websocket/i;

export function startTcpFaultProxy(target: URL): Promise<TcpFaultProxy> {
  const upgraded = new Set<net.Socket>();
  const all = new Set<net.Socket>();
  let refusing = false;
  let refused = 0;
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    all.add(client);
    let sniffed = "";
    const close = () => {
      client.destroy();
      upstream.destroy();
      all.delete(client);
      upgraded.delete(client);
    };
    client.on("data", (chunk: Buffer) => {
      if (!upgraded.has(client) && sniffed.length < 8192) {
        sniffed += chunk.toString("latin1");
        if (UPGRADE.test(sniffed)) {
          upgraded.add(client);
          if (refusing) {
            refused++;
            return close();
          }
        }
      }
      upstream.write(chunk);
    });
    upstream.on("data", (chunk: Buffer) => client.write(chunk));
    client.on("close", close);
    upstream.on("close", close);
    client.on("error", close);
    upstream.on("error", close);
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        refusedUpgrades: () => refused,
        cutUpgrades() {
          refusing = true;
          for (const socket of [...upgraded]) socket.destroy();
        },
        close: () =>
          new Promise<void>((done) => {
            for (const socket of all) socket.destroy();
            server.close(() => done());
          }),
      });
    }),
  );
}
