// ACM-issued TLS in the mesh: a certificate from `aws acm request-certificate` (signed by a Private CA made with
// `aws acm-pca`) reaches proxies as SDS Secrets over ADS, and meshplane's gateway (a real process) terminates mutual
// TLS with it and originates mutual TLS to a backend it verifies against the Private CA (client policy `trust.acm`).
// Node's `tls` checks the chain and the SAN. The private keys are sealed at rest with MESHPLANE_AUTH_SECRET_KEY.
import { CreateGatewayRouteCommand, CreateMeshCommand, CreateVirtualGatewayCommand, CreateVirtualNodeCommand, CreateVirtualServiceCommand } from "@aws-sdk/client-app-mesh";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import https from "node:https";
import os from "node:os";
import path from "node:path";
import tls from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SecretSchema, TypeUrl } from "../../../functions/envoy/index.js";
import type { UnservableSpecWarning } from "../../../functions/appmesh/index.js";
import { awsCli, awsEnvironment } from "../../support/aws-cli.js";
import { startTestControlPlane, type TestControlPlane } from "../../support/control-plane.js";
import { MakeGatewayRouteSpec } from "../../support/fixtures.js";
import { freePort, startGatewayProcess, waitFor, type GatewayProcess } from "../../gateway/support.js";
import { adsClient, decode, SotwClient } from "../../xds/server/support.js";

const mesh = "acm-tls";

// Each AWS CLI call starts a Python interpreter (about a second, more on a loaded machine): cases get three minutes.
describe("ACM certificates served to the mesh", { timeout: 180_000 }, () => {
  let plane: TestControlPlane;
  let gateway: GatewayProcess;
  let backend: https.Server;
  let gatewayPort: number;
  let authorityArn: string;
  let certificateArn: string;
  let caPem: string;
  const env = awsEnvironment();
  const dir = mkdtempSync(path.join(os.tmpdir(), "meshplane-acm-tls-"));
  const at = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

  const aws = async (service: string, ...args: string[]) => {
    const result = await awsCli(plane.url, env, service, ...args);
    expect(result.code, result.stderr).toBe(0);
    return result.json;
  };

  /** A key made here and a certificate for `name` from the Private CA (IssueCertificate on an openssl CSR). */
  async function issuedByCa(name: string): Promise<{ key: string; cert: string }> {
    openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${name}`, "-addext", `subjectAltName=DNS:${name}`);
    const issued = await aws("acm-pca", "issue-certificate", "--certificate-authority-arn", authorityArn, "--csr", `fileb://${at(`${name}.csr`)}`, "--signing-algorithm", "SHA256WITHRSA", "--validity", "Value=10,Type=DAYS");
    const { Certificate } = await aws("acm-pca", "get-certificate", "--certificate-authority-arn", authorityArn, "--certificate-arn", issued.CertificateArn);
    writeFileSync(at(`${name}.pem`), Certificate);
    return { key: at(`${name}.key`), cert: at(`${name}.pem`) };
  }

  /** A TLS connection to the gateway listener presenting `client`; resolves with what Node verified and the response. */
  function requestThroughGateway(client: { key: string; cert: string }): Promise<{ authorized: boolean; san: string; serial: string; body: string }> {
    return new Promise((resolve, reject) => {
      const request = https.get(
        { host: "127.0.0.1", port: gatewayPort, path: "/", servername: "gw.apps.local", ca: caPem, key: readFileSync(client.key), cert: readFileSync(client.cert), agent: false, checkServerIdentity: (host, cert) => tls.checkServerIdentity("gw.apps.local", cert) },
        (response) => {
          const socket = response.socket as tls.TLSSocket;
          const peer = socket.getPeerCertificate();
          let body = "";
          response.setEncoding("utf8");
          response.on("data", (chunk: string) => (body += chunk));
          response.on("end", () => resolve({ authorized: socket.authorized, san: peer.subjectaltname ?? "", serial: peer.serialNumber, body }));
        },
      );
      request.setTimeout(10_000, () => request.destroy(new Error("timeout")));
      request.on("error", reject);
    });
  }

  beforeAll(async () => {
    plane = await startTestControlPlane({ env: { MESHPLANE_AUTH_SECRET_KEY: "acm-tls-test-sealing-key" } });
    const created = await aws("acm-pca", "create-certificate-authority", "--certificate-authority-type", "ROOT", "--certificate-authority-configuration", "KeyAlgorithm=RSA_2048,SigningAlgorithm=SHA256WITHRSA,Subject={CommonName=Mesh TLS Root}");
    authorityArn = created.CertificateAuthorityArn;
    caPem = (await aws("acm-pca", "get-certificate-authority-certificate", "--certificate-authority-arn", authorityArn)).Certificate;
    writeFileSync(at("ca.pem"), caPem);
    certificateArn = (await aws("acm", "request-certificate", "--domain-name", "gw.apps.local", "--certificate-authority-arn", authorityArn)).CertificateArn;

    // The backend: TLS with a Private CA certificate, demanding a client certificate from the same CA.
    const backendTls = await issuedByCa("backend.apps.local");
    const gatewayClient = await issuedByCa("gateway-client.apps.local");
    backend = https.createServer({ key: readFileSync(backendTls.key), cert: readFileSync(backendTls.cert), ca: caPem, requestCert: true, rejectUnauthorized: true }, (request, response) => {
      const peer = (request.socket as tls.TLSSocket).getPeerCertificate();
      response.end(JSON.stringify({ backend: "tls-backend", clientCn: peer.subject?.CN }));
    });
    const backendPort = await freePort();
    await new Promise<void>((resolve) => backend.listen(backendPort, "127.0.0.1", resolve));

    gatewayPort = await freePort();
    await plane.client.send(new CreateMeshCommand({ meshName: mesh }));
    await plane.client.send(
      new CreateVirtualNodeCommand({ meshName: mesh, virtualNodeName: "backend", spec: { listeners: [{ portMapping: { port: backendPort, protocol: "http" } }], serviceDiscovery: { dns: { hostname: "127.0.0.1" } } } }),
    );
    await plane.client.send(new CreateVirtualServiceCommand({ meshName: mesh, virtualServiceName: "backend.apps.local", spec: { provider: { virtualNode: { virtualNodeName: "backend" } } } }));
    await plane.client.send(
      new CreateVirtualGatewayCommand({
        meshName: mesh,
        virtualGatewayName: "gw",
        spec: {
          listeners: [
            {
              portMapping: { port: gatewayPort, protocol: "http" },
              tls: { mode: "STRICT", certificate: { acm: { certificateArn } }, validation: { trust: { file: { certificateChain: at("ca.pem") } } } },
            },
          ],
          backendDefaults: {
            clientPolicy: {
              tls: {
                enforce: true,
                certificate: { file: { certificateChain: gatewayClient.cert, privateKey: gatewayClient.key } },
                validation: { trust: { acm: { certificateAuthorityArns: [authorityArn] } }, subjectAlternativeNames: { match: { exact: ["backend.apps.local"] } } },
              },
            },
          },
        },
      }),
    );
    await plane.client.send(new CreateGatewayRouteCommand({ meshName: mesh, virtualGatewayName: "gw", gatewayRouteName: "backend", spec: MakeGatewayRouteSpec("backend.apps.local", "/") }));
    gateway = await startGatewayProcess(["--node", `mesh/${mesh}/virtualGateway/gw`, "--xds", `127.0.0.1:${plane.running.xdsPort}`]);
  }, 180_000);
  afterAll(async () => {
    await gateway?.stop();
    await new Promise<void>((resolve) => (backend ? backend.close(() => resolve()) : resolve()));
    backend?.closeAllConnections();
    await plane?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("sends the ACM certificate and the Private CA's trust as Secrets to an ADS client", async () => {
    const client = adsClient(`127.0.0.1:${plane.running.xdsPort}`);
    const stream = new SotwClient(client, { id: `mesh/${mesh}/virtualGateway/gw` });
    try {
      stream.send({ typeUrl: TypeUrl.secret, resourceNames: [certificateArn, authorityArn] });
      let secrets = new Map<string, ReturnType<typeof decode<typeof SecretSchema>>>();
      for (let i = 0; i < 5 && secrets.size < 2; i++) {
        const response = await stream.next();
        if (response.typeUrl !== TypeUrl.secret) continue;
        secrets = new Map(response.resources.map((any) => decode(SecretSchema, any)).map((secret) => [secret.name, secret]));
        stream.ack(response, [certificateArn, authorityArn]);
      }
      const certificate = secrets.get(certificateArn)?.type;
      expect(certificate?.case).toBe("tlsCertificate");
      const chain = certificate?.case === "tlsCertificate" && certificate.value.certificateChain?.specifier.case === "inlineString" ? certificate.value.certificateChain.specifier.value : "";
      const key = certificate?.case === "tlsCertificate" && certificate.value.privateKey?.specifier.case === "inlineString" ? certificate.value.privateKey.specifier.value : "";
      // The chain and key pair up, and the chain verifies against the CA for gw.apps.local.
      expect(() => tls.createSecureContext({ cert: chain, key })).not.toThrow();
      writeFileSync(at("served.pem"), chain);
      expect(openssl("verify", "-CAfile", at("ca.pem"), at("served.pem"))).toContain("OK");
      const trust = secrets.get(authorityArn)?.type;
      expect(trust?.case).toBe("validationContext");
      expect(trust?.case === "validationContext" && trust.value.trustedCa?.specifier.case === "inlineString" ? trust.value.trustedCa.specifier.value.trim() : "").toBe(caPem.trim());
    } finally {
      stream.end();
      client.close();
    }
  });

  it("keeps the certificate's private key sealed in the store", async () => {
    const rows = await plane.running.store.listAwsResources({ service: "acm", kind: "certificate", afterSeq: 0, limit: 100 });
    const stored = rows.map((row) => (row.data as { SealedKey: string }).SealedKey);
    expect(stored.length).toBeGreaterThan(0);
    for (const key of stored) {
      expect(key.startsWith("sealed:v1:")).toBe(true);
      expect(key).not.toContain("PRIVATE KEY");
    }
  });

  it("has meshplane's gateway terminate and originate mutual TLS with the ACM certificate and the Private CA", async () => {
    const client = await issuedByCa("caller.apps.local");
    let reply: Awaited<ReturnType<typeof requestThroughGateway>> | undefined;
    const ready = await waitFor(async () => {
      reply = await requestThroughGateway(client).catch(() => undefined);
      return reply?.body.includes("tls-backend") ?? false;
    }, 30_000);
    expect(ready, gateway.output()).toBe(true);
    expect(reply!.authorized).toBe(true);
    expect(reply!.san).toContain("DNS:gw.apps.local");
    // The backend saw the gateway's client certificate (mutual TLS on the upstream side too).
    expect(JSON.parse(reply!.body).clientCn).toBe("gateway-client.apps.local");
    // A caller without a client certificate is refused by the listener (STRICT with validation: mutual TLS).
    await expect(
      new Promise((resolve, reject) => {
        const socket = tls.connect({ host: "127.0.0.1", port: gatewayPort, servername: "gw.apps.local", ca: caPem }, () => {
          socket.write("GET / HTTP/1.1\r\nhost: gw\r\n\r\n");
        });
        socket.on("data", (data) => resolve(data.toString()));
        socket.on("error", reject);
        socket.on("close", () => reject(new Error("closed without an answer")));
      }),
    ).rejects.toThrow();
  });

  it("pushes a renewed certificate to the gateway, which then serves it", async () => {
    const client = await issuedByCa("renewal.apps.local");
    const before = await waitFor(async () => (await requestThroughGateway(client).catch(() => undefined))?.body.includes("tls-backend") ?? false, 30_000);
    expect(before, gateway.output()).toBe(true);
    const oldSerial = (await requestThroughGateway(client)).serial;
    await aws("acm", "renew-certificate", "--certificate-arn", certificateArn);
    const served = await aws("acm", "get-certificate", "--certificate-arn", certificateArn);
    writeFileSync(at("renewed.pem"), served.Certificate);
    const newSerial = openssl("x509", "-in", at("renewed.pem"), "-noout", "-serial").trim().replace(/^serial=/, "").toUpperCase();
    expect(newSerial).not.toBe(oldSerial.toUpperCase());
    expect(await waitFor(async () => (await requestThroughGateway(client).catch(() => undefined))?.serial.toUpperCase() === newSerial, 30_000), gateway.output()).toBe(true);
  });

  it("warns in the config dump and the mesh lint of a listener naming an ACM certificate meshplane does not have, with its field", async () => {
    const missing = "arn:aws:acm:us-east-1:111122223333:certificate/00000000-0000-0000-0000-000000000000";
    await plane.client.send(
      new CreateVirtualGatewayCommand({
        meshName: mesh,
        virtualGatewayName: "gw-missing",
        spec: { listeners: [{ portMapping: { port: 8443, protocol: "http" }, tls: { mode: "STRICT", certificate: { acm: { certificateArn: missing } } } }] },
      }),
    );
    const dump = (await (await plane.request("GET", `/v1/xds/config_dump?node=${encodeURIComponent(`mesh/${mesh}/virtualGateway/gw-missing`)}`)).json()) as { warnings: UnservableSpecWarning[] };
    const expected = {
      code: "AcmCertificateUnavailable",
      resource: { kind: "virtualGateway", name: "gw-missing", arn: expect.stringContaining(`:mesh/${mesh}/virtualGateway/gw-missing`) },
      field: "spec.listeners[0].tls.certificate.acm.certificateArn",
      message: expect.stringContaining(`ACM certificate ${missing} does not exist in meshplane's ACM`),
    };
    expect(dump.warnings).toEqual([expected]);
    const healthy = (await (await plane.request("GET", `/v1/xds/config_dump?node=${encodeURIComponent(`mesh/${mesh}/virtualGateway/gw`)}`)).json()) as { warnings: UnservableSpecWarning[] };
    expect(healthy.warnings).toEqual([]);
    // The same warning, in the one list of the mesh's lint.
    const lint = (await (await plane.request("GET", `/v1/xds/lint?mesh=${mesh}`)).json()) as { warnings: UnservableSpecWarning[] };
    expect(lint.warnings.filter((w) => w.code === "AcmCertificateUnavailable")).toEqual([expected]);
  });
});
