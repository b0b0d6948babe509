// HTTPS on the REST listener from MESHPLANE_TLS_CERT/KEY, and a renewed certificate picked up from the files
// without a restart (new connections see it; the check polls the handshake rather than timing anything).
import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, renameSync } from "node:fs";
import https from "node:https";
import os from "node:os";
import path from "node:path";
import tls from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readTlsMaterial } from "../../functions/auth/tls.js";
import { startTestControlPlane, type TestControlPlane } from "../support/control-plane.js";

const dir = mkdtempSync(path.join(os.tmpdir(), "meshplane-tls-"));

function makeCertificate(name: string): { cert: string; key: string } {
  const cert = path.join(dir, `${name}.crt`);
  const key = path.join(dir, `${name}.key`);
  execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", `/CN=${name}`, "-addext", "subjectAltName=IP:127.0.0.1"], { stdio: "ignore" });
  return { cert, key };
}

function servedFingerprint(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: "127.0.0.1", port, rejectUnauthorized: false }, () => {
      resolve(socket.getPeerX509Certificate()!.fingerprint256);
      socket.end();
    });
    socket.on("error", reject);
  });
}

describe("TLS on the REST listener", () => {
  let plane: TestControlPlane;
  const live = { cert: path.join(dir, "live.crt"), key: path.join(dir, "live.key") };
  const first = makeCertificate("first");
  const second = makeCertificate("second");

  beforeAll(async () => {
    renameSync(first.cert, live.cert);
    renameSync(first.key, live.key);
    plane = await startTestControlPlane({ env: { MESHPLANE_TLS_CERT: live.cert, MESHPLANE_TLS_KEY: live.key } });
  });
  afterAll(async () => plane?.stop());

  it("serves the API over HTTPS with the configured certificate", async () => {
    expect(plane.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const body = await new Promise<string>((resolve, reject) => {
      https
        .get(`${plane.url}/healthz`, { ca: readFileSync(live.cert) }, (response) => {
          let text = "";
          response.on("data", (chunk) => (text += chunk));
          response.on("end", () => resolve(text));
        })
        .on("error", reject);
    });
    expect(JSON.parse(body)).toEqual({ status: "ok" });
  });

  it("serves a renewed certificate once its files change", async () => {
    const port = Number(new URL(plane.url).port);
    const before = await servedFingerprint(port);
    expect(before).toBe(new X509Certificate(readFileSync(live.cert)).fingerprint256);
    const renewed = new X509Certificate(readFileSync(second.cert)).fingerprint256;
    renameSync(second.key, live.key);
    renameSync(second.cert, live.cert);
    let served = before;
    for (let attempt = 0; attempt < 100 && served !== renewed; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      served = await servedFingerprint(port);
    }
    expect(served).toBe(renewed);
  });

  it("refuses a key that does not belong to the certificate", async () => {
    const other = makeCertificate("other");
    await expect(readTlsMaterial({ certFile: live.cert, keyFile: other.key })).rejects.toThrow();
  });
});
