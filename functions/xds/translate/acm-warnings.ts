// The TLS lint: every ACM certificate (`certificate.acm.certificateArn`) and Private CA (`trust.acm.
// certificateAuthorityArns`) a virtual node or gateway names whose material the translation does not have. Such a
// listener or cluster references an SDS Secret over ADS that never arrives, so its handshakes fail; the warning says
// which field, and why the material is missing (the reason the ACM stand-in gave: functions/aws/acm/tls-material.ts).
import type { VirtualGatewayData, VirtualNodeData } from "../../appmesh/model/types.generated.js";
import type { AcmMaterial } from "./tls.js";
import { virtualGatewayResource, virtualNodeResource, warning, type UnservableSpecWarning } from "./warnings.js";

interface AcmReference {
  /** The spec field, as in API error messages (`spec.listeners[0].tls.certificate.acm.certificateArn`). */
  field: string;
  arn: string;
  kind: "certificate" | "authority";
}

/**
 * The references of each spec walked so far. Specs are immutable once read (snapshots share them between revisions
 * while the resource does not change), and every translation of a node asks again: a lookup instead of a walk.
 */
const referencesBySpec = new WeakMap<object, readonly AcmReference[]>();

/** Each `acm` member of a spec with its path. */
function acmReferences(spec: unknown): readonly AcmReference[] {
  if (typeof spec !== "object" || spec === null) return [];
  let found = referencesBySpec.get(spec);
  if (!found) referencesBySpec.set(spec, (found = findAcmReferences(spec)));
  return found;
}

function findAcmReferences(spec: object): AcmReference[] {
  const found: AcmReference[] = [];
  const visit = (value: unknown, path: string): void => {
    if (Array.isArray(value)) return value.forEach((item, index) => visit(item, `${path}[${index}]`));
    if (typeof value !== "object" || value === null) return;
    for (const [key, member] of Object.entries(value)) {
      const field = `${path}.${key}`;
      if (key !== "acm" || typeof member !== "object" || member === null) {
        visit(member, field);
        continue;
      }
      const acm = member as { certificateArn?: unknown; certificateAuthorityArns?: unknown };
      if (typeof acm.certificateArn === "string") found.push({ field: `${field}.certificateArn`, arn: acm.certificateArn, kind: "certificate" });
      if (Array.isArray(acm.certificateAuthorityArns)) {
        acm.certificateAuthorityArns.forEach((arn, index) => {
          if (typeof arn === "string") found.push({ field: `${field}.certificateAuthorityArns[${index}]`, arn, kind: "authority" });
        });
      }
    }
  };
  visit(spec, "spec");
  return found;
}

function missingMaterial(resource: UnservableSpecWarning["resource"], spec: unknown, acm: AcmMaterial): UnservableSpecWarning[] {
  const references = acmReferences(spec);
  if (references.length === 0) return [];
  return references.flatMap(({ field, arn, kind }) => {
    const held = kind === "certificate" ? acm.certificates?.[arn] !== undefined : acm.certificateAuthorities?.[arn] !== undefined;
    if (held) return [];
    const reason = acm.problems?.find((problem) => problem.includes(arn)) ?? `${kind === "certificate" ? "ACM certificate" : "Private CA"} ${arn} is not available to meshplane`;
    return kind === "certificate"
      ? [warning("AcmCertificateUnavailable", resource, field, `${reason}: the TLS that names it gets no certificate Secret, and its handshakes fail.`)]
      : [warning("AcmCertificateAuthorityUnavailable", resource, field, `${reason}: the TLS that trusts it gets no validation Secret, and its handshakes fail.`)];
  });
}

export const virtualNodeAcmWarnings = (node: VirtualNodeData, acm: AcmMaterial): UnservableSpecWarning[] => missingMaterial(virtualNodeResource(node), node.spec, acm);
export const virtualGatewayAcmWarnings = (gateway: VirtualGatewayData, acm: AcmMaterial): UnservableSpecWarning[] =>
  missingMaterial(virtualGatewayResource(gateway), gateway.spec, acm);
