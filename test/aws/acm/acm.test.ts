// ACM and ACM Private CA through the unmodified AWS CLI against `npm start`'s control plane: a root CA whose key is
// made and kept here, certificates it issues for a CSR (openssl) and for `aws acm request-certificate`, imported
// certificates, tags, deletion, and the model's exception names. Chains are checked with `openssl verify`.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsCli, awsEnvironment, startAwsCliSession, type AwsCliSession, type CliResult } from "../../support/aws-cli.js";
import { startTestControlPlane, testAccountId, type TestControlPlane } from "../../support/control-plane.js";

// The calls run in one interpreter with the CLI's own driver (test/support/aws-cli-session.py); the case that needs
// another environment starts the `aws` command itself.
describe("ACM and ACM Private CA through the AWS CLI", { timeout: 180_000 }, () => {
  let plane: TestControlPlane;
  let session: AwsCliSession;
  const env = awsEnvironment();
  const dir = mkdtempSync(path.join(os.tmpdir(), "meshplane-acm-"));
  const file = (name: string, text: string) => {
    const where = path.join(dir, name);
    writeFileSync(where, text);
    return where;
  };
  const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  /** Any outcome of `aws <service> <args>`. */
  const aws = (service: string, ...args: string[]) => session.run(plane.url, service, args);
  const cli = (service: string) => async (...args: string[]) => {
    const result = await aws(service, ...args);
    expect(result.stderr, `aws ${service} ${args.join(" ")}`).toBe("");
    expect(result.code).toBe(0);
    return result.json;
  };
  const acm = cli("acm");
  const pca = cli("acm-pca");
  const failure = (result: CliResult) => /An error occurred \((\w+)\)/.exec(result.stderr)?.[1];

  async function createRootCa(commonName: string): Promise<string> {
    const created = await pca(
      "create-certificate-authority",
      "--certificate-authority-type",
      "ROOT",
      "--certificate-authority-configuration",
      `KeyAlgorithm=EC_prime256v1,SigningAlgorithm=SHA256WITHECDSA,Subject={CommonName=${commonName},Organization=meshplane}`,
      "--tags",
      "Key=purpose,Value=mesh",
    );
    return created.CertificateAuthorityArn as string;
  }

  beforeAll(async () => {
    plane = await startTestControlPlane();
    session = startAwsCliSession(env);
  });
  afterAll(async () => {
    await session?.close();
    await plane?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("creates a root CA that is ACTIVE, self-signed and listed, with its tags", async () => {
    const arn = await createRootCa("Mesh Root A");
    expect(arn).toMatch(new RegExp(`^arn:aws:acm-pca:us-east-1:${testAccountId}:certificate-authority/[0-9a-f-]{36}$`));
    const { CertificateAuthority } = await pca("describe-certificate-authority", "--certificate-authority-arn", arn);
    expect(CertificateAuthority).toMatchObject({ Type: "ROOT", Status: "ACTIVE", CertificateAuthorityConfiguration: { KeyAlgorithm: "EC_prime256v1" } });
    const { Certificate } = await pca("get-certificate-authority-certificate", "--certificate-authority-arn", arn);
    const caFile = file("root-a.pem", Certificate);
    expect(openssl("verify", "-CAfile", caFile, caFile)).toContain("OK");
    expect(openssl("x509", "-in", caFile, "-noout", "-subject")).toContain("CN = Mesh Root A");
    const listed = await pca("list-certificate-authorities");
    expect(listed.CertificateAuthorities.map((ca: { Arn: string }) => ca.Arn)).toContain(arn);
    expect((await pca("list-tags", "--certificate-authority-arn", arn)).Tags).toEqual([{ Key: "purpose", Value: "mesh" }]);
  });

  it("issues a certificate for an openssl CSR that verifies against the CA, and returns it with the chain", async () => {
    const arn = await createRootCa("Mesh Root B");
    openssl("req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", "leaf.key", "-out", "leaf.csr", "-subj", "/CN=servicea.apps.local", "-addext", "subjectAltName=DNS:servicea.apps.local");
    const issued = await pca(
      "issue-certificate",
      "--certificate-authority-arn",
      arn,
      "--csr",
      `fileb://${path.join(dir, "leaf.csr")}`,
      "--signing-algorithm",
      "SHA256WITHECDSA",
      "--validity",
      "Value=30,Type=DAYS",
    );
    const got = await pca("get-certificate", "--certificate-authority-arn", arn, "--certificate-arn", issued.CertificateArn);
    const leaf = file("leaf-b.pem", got.Certificate);
    const chain = file("chain-b.pem", got.CertificateChain);
    expect(openssl("verify", "-CAfile", chain, leaf)).toContain("OK");
    expect(openssl("x509", "-in", leaf, "-noout", "-ext", "subjectAltName")).toContain("DNS:servicea.apps.local");
  });

  it("requests a private certificate from the CA through ACM, renews it under the same ARN, and deletes it", async () => {
    const authority = await createRootCa("Mesh Root C");
    const { CertificateArn } = await acm("request-certificate", "--domain-name", "serviceb.apps.local", "--certificate-authority-arn", authority, "--subject-alternative-names", "serviceb.apps.local", "serviceb.mesh.local");
    const { Certificate } = await acm("describe-certificate", "--certificate-arn", CertificateArn);
    expect(Certificate).toMatchObject({ Type: "PRIVATE", Status: "ISSUED", DomainName: "serviceb.apps.local", CertificateAuthorityArn: authority, RenewalEligibility: "ELIGIBLE" });
    const got = await acm("get-certificate", "--certificate-arn", CertificateArn);
    const caPem = (await pca("get-certificate-authority-certificate", "--certificate-authority-arn", authority)).Certificate;
    expect(openssl("verify", "-CAfile", file("root-c.pem", caPem), file("leaf-c.pem", got.Certificate))).toContain("OK");
    expect(JSON.stringify(got)).not.toContain("PRIVATE KEY");

    await acm("renew-certificate", "--certificate-arn", CertificateArn);
    const renewed = await acm("get-certificate", "--certificate-arn", CertificateArn);
    expect(renewed.Certificate).not.toBe(got.Certificate);
    expect((await acm("describe-certificate", "--certificate-arn", CertificateArn)).Certificate.RenewalSummary.RenewalStatus).toBe("SUCCESS");

    await acm("delete-certificate", "--certificate-arn", CertificateArn);
    expect(failure(await aws("acm", "describe-certificate", "--certificate-arn", CertificateArn))).toBe("ResourceNotFoundException");
  });

  it("imports a certificate with its key, lists it by key type, tags it, and re-imports under the same ARN", async () => {
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "imported.key", "-out", "imported.pem", "-days", "10", "-subj", "/CN=import.apps.local", "-addext", "subjectAltName=DNS:import.apps.local");
    const imported = await acm("import-certificate", "--certificate", `fileb://${path.join(dir, "imported.pem")}`, "--private-key", `fileb://${path.join(dir, "imported.key")}`, "--tags", "Key=team,Value=edge");
    const arn = imported.CertificateArn as string;
    expect((await acm("describe-certificate", "--certificate-arn", arn)).Certificate).toMatchObject({ Type: "IMPORTED", DomainName: "import.apps.local", KeyAlgorithm: "RSA_2048" });
    const listed = await acm("list-certificates", "--includes", "keyTypes=RSA_2048");
    expect(listed.CertificateSummaryList.map((c: { CertificateArn: string }) => c.CertificateArn)).toContain(arn);
    await acm("add-tags-to-certificate", "--certificate-arn", arn, "--tags", "Key=tier,Value=gold");
    await acm("remove-tags-from-certificate", "--certificate-arn", arn, "--tags", "Key=team");
    expect((await acm("list-tags-for-certificate", "--certificate-arn", arn)).Tags).toEqual([{ Key: "tier", Value: "gold" }]);

    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "again.key", "-out", "again.pem", "-days", "20", "-subj", "/CN=import.apps.local");
    const again = await acm("import-certificate", "--certificate-arn", arn, "--certificate", `fileb://${path.join(dir, "again.pem")}`, "--private-key", `fileb://${path.join(dir, "again.key")}`);
    expect(again.CertificateArn).toBe(arn);
    expect((await acm("get-certificate", "--certificate-arn", arn)).Certificate.replace(/\s/g, "")).toBe(
      openssl("x509", "-in", path.join(dir, "again.pem")).replace(/\s/g, ""),
    );
  });

  it("refuses a key that is not the certificate's, and answers the model's exceptions for unknown ARNs", async () => {
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "one.key", "-out", "one.pem", "-days", "5", "-subj", "/CN=one.apps.local");
    openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "other.key");
    const before = (await acm("list-certificates", "--includes", "keyTypes=RSA_2048")).CertificateSummaryList.length;
    const mismatch = await aws("acm", "import-certificate", "--certificate", `fileb://${path.join(dir, "one.pem")}`, "--private-key", `fileb://${path.join(dir, "other.key")}`);
    expect(failure(mismatch)).toBe("ValidationException");
    expect((await acm("list-certificates", "--includes", "keyTypes=RSA_2048")).CertificateSummaryList).toHaveLength(before);

    const unknownCa = `arn:aws:acm-pca:us-east-1:${testAccountId}:certificate-authority/00000000-0000-0000-0000-000000000000`;
    expect(failure(await aws("acm-pca", "describe-certificate-authority", "--certificate-authority-arn", unknownCa))).toBe("ResourceNotFoundException");
    expect(failure(await aws("acm", "describe-certificate", "--certificate-arn", "arn:aws:acm:us-east-1:1:certificate/x"))).toBe("InvalidArnException");
    const request = await aws("acm", "request-certificate", "--domain-name", "x.apps.local", "--certificate-authority-arn", unknownCa);
    expect(failure(request)).toBe("InvalidArnException");
  });

  it("deletes a CA only once disabled: DELETED with its restorable-until date, and it issues no more", async () => {
    const arn = await createRootCa("Mesh Root D");
    expect(failure(await aws("acm-pca", "delete-certificate-authority", "--certificate-authority-arn", arn))).toBe("InvalidStateException");
    await pca("update-certificate-authority", "--certificate-authority-arn", arn, "--status", "DISABLED");
    await pca("delete-certificate-authority", "--certificate-authority-arn", arn, "--permanent-deletion-time-in-days", "7");
    const { CertificateAuthority } = await pca("describe-certificate-authority", "--certificate-authority-arn", arn);
    expect(CertificateAuthority.Status).toBe("DELETED");
    expect(CertificateAuthority.RestorableUntil).toBeGreaterThan(Date.now() / 1000);
    const refused = await aws("acm", "request-certificate", "--domain-name", "late.apps.local", "--certificate-authority-arn", arn);
    expect(refused.code).not.toBe(0);
  });

  it("reaches meshplane through AWS_ENDPOINT_URL_ACM and AWS_ENDPOINT_URL_ACM_PCA without --endpoint-url", async () => {
    const viaEnv = { ...env, AWS_ENDPOINT_URL_ACM: plane.url, AWS_ENDPOINT_URL_ACM_PCA: plane.url };
    const authorities = await awsCli(undefined, viaEnv, "acm-pca", "list-certificate-authorities");
    expect(authorities.code, authorities.stderr).toBe(0);
    expect(Array.isArray(authorities.json.CertificateAuthorities)).toBe(true);
    const certificates = await awsCli(undefined, viaEnv, "acm", "list-certificates");
    expect(certificates.code, certificates.stderr).toBe(0);
    expect(Array.isArray(certificates.json.CertificateSummaryList)).toBe(true);
  });
});
