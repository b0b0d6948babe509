// Property test over the JSON 1.1 protocol app: random and mutated inputs to the write operations of Cloud Map, ACM
// and ACM Private CA, and malformed requests, get a 200 or a 4xx carrying an exception the service's model names
// (never a 5xx), and a refused request leaves every stored stand-in record exactly as it was.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AcmErrorStatus } from "../../../functions/aws/acm/model/errors.generated.js";
import { AcmPcaErrorStatus } from "../../../functions/aws/acm-pca/model/errors.generated.js";
import { ServiceDiscoveryErrorStatus } from "../../../functions/aws/servicediscovery/model/errors.generated.js";
import { startTestControlPlane, type TestControlPlane } from "../../support/control-plane.js";
import { mutate, pathsOf, type Json } from "../../support/json-mutation.js";

interface Target {
  target: string;
  body: Record<string, Json>;
  /** The exceptions this service's model names, plus the protocol's own. */
  exceptions: Readonly<Record<string, number>>;
}

const protocolErrors = { ValidationException: 400, UnknownOperationException: 400, SerializationException: 400, AccessDeniedException: 400, ThrottlingException: 400 };
const sd = (operation: string, body: Record<string, Json>): Target => ({ target: `Route53AutoNaming_v20170314.${operation}`, body, exceptions: { ...protocolErrors, ...ServiceDiscoveryErrorStatus } });
const acm = (operation: string, body: Record<string, Json>): Target => ({ target: `CertificateManager.${operation}`, body, exceptions: { ...protocolErrors, ...AcmErrorStatus } });
const pca = (operation: string, body: Record<string, Json>): Target => ({ target: `ACMPrivateCA.${operation}`, body, exceptions: { ...protocolErrors, ...AcmPcaErrorStatus } });

const caArn = "arn:aws:acm-pca:us-east-1:111122223333:certificate-authority/00000000-0000-0000-0000-000000000001";
const targets: Target[] = [
  sd("CreateHttpNamespace", { Name: "fuzz-fresh.local", Description: "d", Tags: [{ Key: "k", Value: "v" }] }),
  sd("CreatePrivateDnsNamespace", { Name: "fuzz.private", Vpc: "vpc-1", Properties: { DnsProperties: { SOA: { TTL: 60 } } } }),
  sd("CreateService", { Name: "svc", NamespaceId: "ns-fuzz", HealthCheckCustomConfig: { FailureThreshold: 1 }, DnsConfig: { DnsRecords: [{ Type: "A", TTL: 60 }] } }),
  sd("UpdateService", { Id: "srv-fuzz", Service: { Description: "x", DnsConfig: { DnsRecords: [{ Type: "A", TTL: 30 }] } } }),
  sd("RegisterInstance", { ServiceId: "srv-fuzz", InstanceId: "i-1", Attributes: { AWS_INSTANCE_IPV4: "10.0.0.1", AWS_INSTANCE_PORT: "80" } }),
  sd("UpdateInstanceCustomHealthStatus", { ServiceId: "srv-fuzz", InstanceId: "i-1", Status: "UNHEALTHY" }),
  sd("DiscoverInstances", { NamespaceName: "fuzz.local", ServiceName: "svc", QueryParameters: { a: "b" }, HealthStatus: "HEALTHY", MaxResults: 10 }),
  sd("ListOperations", { Filters: [{ Name: "STATUS", Values: ["SUCCESS"], Condition: "IN" }], MaxResults: 5 }),
  sd("TagResource", { ResourceARN: "arn:aws:servicediscovery:us-east-1:111122223333:namespace/ns-x", Tags: [{ Key: "a", Value: "b" }] }),
  acm("ImportCertificate", { Certificate: "LS0tLS1CRUdJTg==", PrivateKey: "LS0tLS1CRUdJTg==" }),
  acm("RequestCertificate", { DomainName: "fuzz.apps.local", CertificateAuthorityArn: caArn, SubjectAlternativeNames: ["a.apps.local"], KeyAlgorithm: "RSA_2048" }),
  acm("ListCertificates", { CertificateStatuses: ["ISSUED"], Includes: { keyTypes: ["RSA_2048"] }, MaxItems: 5 }),
  acm("AddTagsToCertificate", { CertificateArn: "arn:aws:acm:us-east-1:111122223333:certificate/00000000-0000-0000-0000-000000000000", Tags: [{ Key: "a" }] }),
  pca("CreateCertificateAuthority", {
    CertificateAuthorityType: "ROOT",
    CertificateAuthorityConfiguration: { KeyAlgorithm: "EC_prime256v1", SigningAlgorithm: "SHA256WITHECDSA", Subject: { CommonName: "fuzz" } },
  }),
  pca("IssueCertificate", { CertificateAuthorityArn: caArn, Csr: "LS0t", SigningAlgorithm: "SHA256WITHRSA", Validity: { Value: 10, Type: "DAYS" } }),
  pca("DeleteCertificateAuthority", { CertificateAuthorityArn: caArn, PermanentDeletionTimeInDays: 7 }),
];

const edgeValues: Json[] = ["", "x".repeat(2000), "ns-\u0000", "arn:aws:acm:::certificate/", -1, 0, 65536, 2 ** 53, 1.5, 1e308, true, [], {}, null, "DELETED", "../../etc"];
const arbitraryJson = fc.oneof(fc.constantFrom(...edgeValues), fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>);

describe("JSON 1.1 protocol app under fuzzed input", { timeout: 180_000 }, () => {
  let plane: TestControlPlane;

  /** Every stored stand-in record (namespaces, services, operations, instances, certificates, authorities). */
  async function storedState(): Promise<string> {
    const store = plane.running.store;
    const kinds: Array<[string, string]> = [
      ["servicediscovery", "namespace"],
      ["servicediscovery", "service"],
      ["acm", "certificate"],
      ["acm-pca", "authority"],
      ["acm-pca", "certificate"],
    ];
    const rows = await Promise.all(kinds.map(([service, kind]) => store.listAwsResources({ service, kind, afterSeq: 0, limit: 10_000 })));
    return JSON.stringify([rows, await store.listEndpoints({})]);
  }

  async function send(target: string, body: string, contentType = "application/x-amz-json-1.1"): Promise<{ status: number; type: string | undefined }> {
    const response = await plane.request("POST", "/", { body, headers: { "content-type": contentType, "x-amz-target": target } });
    const text = await response.text();
    let type: string | undefined;
    try {
      type = (JSON.parse(text) as { __type?: string }).__type;
    } catch {
      type = undefined;
    }
    return { status: response.status, type };
  }

  beforeAll(async () => {
    plane = await startTestControlPlane({ env: { MESHPLANE_AUTH_SECRET_KEY: "fuzz-sealing-key" } });
  });
  afterAll(async () => plane?.stop());

  it("answers mutated write inputs with 200 or a modelled 4xx, and a refusal stores nothing", async () => {
    const cases = fc.oneof(
      ...targets.map((target) =>
        fc
          .tuple(fc.constantFrom(...pathsOf(target.body)), fc.option(arbitraryJson, { nil: undefined }))
          .map(([path, replacement]) => ({ target, body: mutate(target.body, path, replacement) })),
      ),
    );
    await fc.assert(
      fc.asyncProperty(cases, async ({ target, body }) => {
        const before = await storedState();
        const answer = await send(target.target, JSON.stringify(body));
        expect(answer.status, `${target.target} ${JSON.stringify(body).slice(0, 300)}`).toBeLessThan(500);
        if (answer.status !== 200) {
          const type = answer.type?.split("#").pop() ?? "";
          expect(Object.keys(target.exceptions), `${target.target} answered ${answer.type}`).toContain(type);
          expect(await storedState()).toBe(before);
        }
      }),
      { numRuns: 250, seed: 18 },
    );
  });

  it("answers malformed requests (bad JSON, wrong types, unknown targets, wrong content type) with a 4xx and stores nothing", async () => {
    const before = await storedState();
    const malformed: Array<[string, string, string?]> = [
      ["Route53AutoNaming_v20170314.CreateHttpNamespace", "{not json"],
      ["Route53AutoNaming_v20170314.CreateHttpNamespace", "[]"],
      ["Route53AutoNaming_v20170314.CreateHttpNamespace", '"Name"'],
      ["CertificateManager.ImportCertificate", '{"Certificate": 1, "PrivateKey": {}}'],
      ["ACMPrivateCA.CreateCertificateAuthority", "null"],
      ["ACMPrivateCA.NoSuchOperation", "{}"],
      ["NoSuchService.CreateHttpNamespace", "{}"],
      ["Route53AutoNaming_v20170314.CreateHttpNamespace", '{"Name":"x.local"}', "text/plain"],
      ["CertificateManager.ImportCertificate", JSON.stringify({ Certificate: "x".repeat(40_000), PrivateKey: "y" })],
    ];
    for (const [target, body, contentType] of malformed) {
      const answer = await send(target, body, contentType);
      expect(answer.status, `${target} ${body.slice(0, 80)}`).toBeGreaterThanOrEqual(400);
      expect(answer.status, `${target} ${body.slice(0, 80)}`).toBeLessThan(500);
    }
    expect(await storedState()).toBe(before);
  });
});
