// The listener server under both runtimes the gateway runs on, as a child process: `node --import tsx`, and Deno
// from the `deno` npm package with the permissions of `deno task gateway`.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import http2 from "node:http2";
import https from "node:https";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { childEnvironment, denoBinary, repoRoot, type Runtime } from "../../support/process.js";
import { spawn, type ChildProcess } from "node:child_process";

const fixture = path.join(repoRoot, "test/gateway/node/listener-server-fixture.ts");

function command(runtime: Runtime): [string, string[]] {
  if (runtime === "deno") return [denoBinary, ["run", "--config", path.join(repoRoot, "deno.json"), "--allow-net", "--allow-read", "--allow-env", "--allow-sys", fixture]];
  return [process.execPath, ["--import", pathToFileURL(path.join(repoRoot, "node_modules/tsx/dist/loader.mjs")).href, fixture]];
}

interface Reply {
  status: number;
  body: string;
  reusedSocket: boolean;
}

function request(module: typeof http | typeof https, options: https.RequestOptions): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const sent = module.get(options, (response) => {
      let body = "";
      response.on("data", (data: Buffer) => (body += data.toString()));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body, reusedSocket: sent.reusedSocket }));
    });
    sent.on("error", reject);
  });
}

function h2Get(url: string, options: http2.SecureClientSessionOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(url, options);
    session.on("error", reject);
    const stream = session.request({ ":path": "/h2" });
    let body = "";
    stream.on("data", (data: Buffer) => (body += data.toString()));
    stream.on("end", () => {
      session.close();
      resolve(body);
    });
    stream.on("error", reject);
  });
}

describe.each<Runtime>(["node", "deno"])("startListenerServer on %s", (runtime) => {
  let dir: string;
  let child: ChildProcess;
  let port: number;
  let mutualPort: number;
  let ca: Buffer;
  let clients: Record<"issued" | "otherSan" | "selfSigned", { cert: Buffer; key: Buffer }>;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "meshplane-listener-"));
    const cert = path.join(dir, "cert.pem");
    const key = path.join(dir, "key.pem");
    execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-subj", "/CN=gw.local", "-days", "1", "-addext", "subjectAltName=DNS:gw.local"], { stdio: "ignore" });
    ca = readFileSync(cert);
    const clientCa = path.join(dir, "client-ca.pem");
    const clientCaKey = path.join(dir, "client-ca.key");
    execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", clientCaKey, "-out", clientCa, "-subj", "/CN=client-ca", "-days", "1"], { stdio: "ignore" });
    const client = (name: string, san: string, issued: boolean) => {
      const [clientKey, clientCert] = [path.join(dir, `${name}.key`), path.join(dir, `${name}.pem`)];
      if (issued) {
        const request = path.join(dir, `${name}.csr`);
        const extensions = path.join(dir, `${name}.ext`);
        execFileSync("openssl", ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", clientKey, "-out", request, "-subj", `/CN=${name}`], { stdio: "ignore" });
        execFileSync("sh", ["-c", `printf 'subjectAltName=${san}\\n' > '${extensions}'`]);
        execFileSync("openssl", ["x509", "-req", "-in", request, "-CA", clientCa, "-CAkey", clientCaKey, "-CAcreateserial", "-out", clientCert, "-days", "1", "-extfile", extensions], { stdio: "ignore" });
      } else {
        execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", clientKey, "-out", clientCert, "-subj", `/CN=${name}`, "-days", "1", "-addext", `subjectAltName=${san}`], { stdio: "ignore" });
      }
      return { cert: readFileSync(clientCert), key: readFileSync(clientKey) };
    };
    clients = {
      issued: client("issued", "URI:spiffe://mesh/front", true),
      otherSan: client("other-san", "URI:spiffe://mesh/other", true),
      selfSigned: client("self-signed", "URI:spiffe://mesh/front", false),
    };
    const [file, args] = command(runtime);
    const environment = { LISTENER_CERT: cert, LISTENER_KEY: key, LISTENER_CLIENT_CA: clientCa, LISTENER_CLIENT_SAN: "spiffe://mesh/front" };
    child = spawn(file, args, { cwd: repoRoot, env: childEnvironment(environment), stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    [port, mutualPort] = await new Promise<[number, number]>((resolve, reject) => {
      child.stdout!.on("data", (data: Buffer) => {
        output += data.toString();
        const match = /listening (\d+) (\d+)/.exec(output);
        if (match) resolve([Number(match[1]), Number(match[2])]);
      });
      child.stderr!.on("data", (data: Buffer) => (output += data.toString()));
      child.once("exit", (code) => reject(new Error(`listener exited (${code}):\n${output}`)));
    });
  });

  afterAll(() => {
    child?.kill("SIGKILL");
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("answers three requests in a row on one kept-alive HTTP/1.1 connection", async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const replies: Reply[] = [];
      for (const n of [1, 2, 3]) replies.push(await request(http, { host: "127.0.0.1", port, path: `/${n}`, agent }));
      expect(replies.map((reply) => [reply.status, reply.body])).toEqual([
        [200, "1.1 /1"],
        [200, "1.1 /2"],
        [200, "1.1 /3"],
      ]);
      expect(replies.map((reply) => reply.reusedSocket)).toEqual([false, true, true]);
    } finally {
      agent.destroy();
    }
  });

  it("serves HTTP/2 cleartext to a client with prior knowledge", async () => {
    expect(await h2Get(`http://127.0.0.1:${port}`, {})).toBe("2.0 /h2");
  });

  it("serves HTTP/1.1 over TLS on a kept-alive connection", async () => {
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const options = { host: "127.0.0.1", port, servername: "gw.local", ca, agent };
      const first = await request(https, { ...options, path: "/a" });
      const second = await request(https, { ...options, path: "/b" });
      expect([first.body, second.body, second.reusedSocket]).toEqual(["1.1 /a", "1.1 /b", true]);
    } finally {
      agent.destroy();
    }
  });

  it(runtime === "node" ? "negotiates h2 over TLS by ALPN" : "offers no ALPN over TLS, so an h2-only client stops on its side and the listener keeps serving", async () => {
    const secureH2 = h2Get(`https://127.0.0.1:${port}`, { ca, servername: "gw.local" });
    if (runtime === "node") expect(await secureH2).toBe("2.0 /h2");
    else await expect(secureH2).rejects.toThrow(/protocol/i);
    expect((await request(https, { host: "127.0.0.1", port, path: "/after", servername: "gw.local", ca, agent: false })).body).toBe("1.1 /after");
  });

  it("requires a client certificate the trusted CA issued with a wanted SAN: no certificate, a self-signed one and one without the SAN are refused", async () => {
    const mutualGet = async (certificate?: { cert: Buffer; key: Buffer }) => {
      try {
        return (await request(https, { host: "127.0.0.1", port: mutualPort, path: "/mtls", servername: "gw.local", ca, agent: false, ...certificate })).body;
      } catch {
        return "refused";
      }
    };
    expect(await mutualGet(clients.issued)).toBe("1.1 /mtls");
    expect(await mutualGet()).toBe("refused");
    expect(await mutualGet(clients.selfSigned)).toBe("refused");
    expect(await mutualGet(clients.otherSan)).toBe("refused");
    expect(await mutualGet(clients.issued)).toBe("1.1 /mtls");
  });
});
