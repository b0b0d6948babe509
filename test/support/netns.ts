// A network namespace joined to this machine's by veth pairs, for tests that cut one process's link to another
// (`ip netns`, `ip link`; needs root, as CI runs). Every address is private to this machine: nothing leaves it.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";

export interface VethLink {
  /** Address of the end in the machine's namespace. */
  hostAddress: string;
  /** Address of the end inside the namespace. */
  nsAddress: string;
  /** Takes the link down (packets between its ends are lost, as in a partition) or up again. */
  setUp(up: boolean): void;
}

export interface TestNetns {
  name: string;
  /** A veth pair on 10.<a>.<b>.0/24 between the namespace and the machine. */
  addLink(): VethLink;
  /**
   * Forwards TCP from `address:port` inside the namespace to 127.0.0.1:port there (a process in the namespace, so
   * that a server bound to the namespace's loopback can be reached over a link).
   */
  forward(address: string, ports: number[]): Promise<void>;
  /** Stops the forwarders and deletes the namespace and its links. Safe to call twice. */
  remove(): void;
}

const FORWARDER = `
const net = require("node:net");
const [address, ...ports] = process.argv.slice(1);
let listening = 0;
for (const port of ports.map(Number)) {
  net.createServer((client) => {
    const upstream = net.connect(port, "127.0.0.1");
    client.pipe(upstream).pipe(client);
    const close = () => { client.destroy(); upstream.destroy(); };
    client.on("error", close); upstream.on("error", close);
  }).listen(port, address, () => { if (++listening === ports.length) console.log("forwarding"); });
}
`;

const ip = (...args: string[]) => execFileSync("ip", args, { stdio: ["ignore", "ignore", "pipe"] });

export function createNetns(): TestNetns {
  const id = process.pid % 60_000;
  const name = `mp-${id}`;
  ip("netns", "add", name);
  ip("-n", name, "link", "set", "lo", "up");
  const links: string[] = [];
  const forwarders: ChildProcess[] = [];
  let removed = false;
  const remove = () => {
    if (removed) return;
    removed = true;
    for (const forwarder of forwarders) forwarder.kill("SIGKILL");
    for (const link of links) {
      try {
        ip("link", "del", link);
      } catch {
        // gone with the namespace already
      }
    }
    ip("netns", "del", name);
  };
  process.once("exit", remove);
  return {
    name,
    addLink() {
      const index = links.length;
      const host = `mp${id}h${index}`;
      const peer = `mp${id}n${index}`;
      // 10.<200 + index>.<id's bytes>: one /24 per link and test process.
      const prefix = `10.${200 + index}.${id % 250}`;
      ip("link", "add", host, "type", "veth", "peer", "name", peer);
      links.push(host);
      ip("link", "set", peer, "netns", name);
      ip("addr", "add", `${prefix}.1/24`, "dev", host);
      ip("-n", name, "addr", "add", `${prefix}.2/24`, "dev", peer);
      ip("link", "set", host, "up");
      ip("-n", name, "link", "set", peer, "up");
      return {
        hostAddress: `${prefix}.1`,
        nsAddress: `${prefix}.2`,
        setUp: (up) => void ip("link", "set", host, up ? "up" : "down"),
      };
    },
    async forward(address, ports) {
      const child = spawn("ip", ["netns", "exec", name, process.execPath, "-e", FORWARDER, address, ...ports.map(String)], { stdio: ["ignore", "pipe", "inherit"] });
      forwarders.push(child);
      await new Promise<void>((resolve, reject) => {
        child.stdout!.once("data", () => resolve());
        child.once("exit", (code) => reject(new Error(`the forwarder exited with ${code}`)));
      });
    },
    remove,
  };
}
