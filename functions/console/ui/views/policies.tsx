// meshplane's policies in the console: the table of those attached to one resource (on its page) or of a whole
// mesh (its Policies page), each with Edit and Delete. Policies are meshplane's own resource (docs/policies/).
import { useState } from "preact/hooks";
import { describe } from "../api/appmesh.js";
import { deletePolicy, listPolicies, targetAddressOf, type PolicyRef } from "../api/policies.js";
import { ConfirmDialog } from "../components/confirm-dialog.js";
import { DataTable, type Column } from "../components/data-table.js";
import { ApiError } from "../api/http.js";
import { Alert, ErrorAlert, Loading, PageHeader, Section, formatTime } from "../components/page.js";
import { useAsync } from "../components/use-async.js";
import { Link, pathOf } from "../router.js";
import { resourcePath, titleOf } from "../resources.js";

/** `/meshes/apps/policies/new?target=…`: the editor of a new policy on `targetArn`. */
export const newPolicyPath = (meshName: string, targetArn: string) => `${pathOf("meshes", meshName, "policies", "new")}?${new URLSearchParams({ target: targetArn })}`;
export const policyPath = (meshName: string, policyName: string) => pathOf("meshes", meshName, "policies", policyName);
/** The mesh's Policies page showing those on one target. */
export const policiesOnPath = (meshName: string, targetArn: string) => `${pathOf("meshes", meshName, "policies")}?${new URLSearchParams({ target: targetArn })}`;

/** "Virtual gateway ingress", "Gateway route ingress/web", or the ARN itself when the console cannot place it. */
export function targetLabel(arn: string): string {
  const address = targetAddressOf(arn);
  if (!address) return arn;
  return `${titleOf(address.kind)} ${address.parentName ? `${address.parentName}/` : ""}${address.name}`;
}

function TargetLink({ arn }: { arn: string }) {
  const address = targetAddressOf(arn);
  return address ? <Link to={resourcePath(address)}>{targetLabel(arn)}</Link> : <span class="mono">{arn}</span>;
}

/**
 * Why policies cannot be shown. A principal granted `appmesh:*` alone (AWSAppMeshFullAccess) may not list them
 * (meshplane:ListPolicies, docs/policies/README.md): the rest of the page stays as it is.
 */
export function PolicyListError({ error }: { error: unknown }) {
  if (error instanceof ApiError && error.status === 403) {
    return (
      <Alert kind="info" title="This principal may not list policies">
        <p>{error.display}</p>
      </Alert>
    );
  }
  return <ErrorAlert error={error} title="Listing the policies failed" />;
}

/** The policies of a mesh, or of one target in it, with a Delete button on each row. */
export function PolicyTable({ meshName, targetArn, caption }: { meshName: string; targetArn?: string; caption: string }) {
  const policies = useAsync((signal) => listPolicies(meshName, targetArn ? { targetArn } : {}, signal), [meshName, targetArn]);
  const [deleting, setDeleting] = useState<PolicyRef | null>(null);
  if (policies.error !== undefined) return <PolicyListError error={policies.error} />;
  if (!policies.data) return <Loading />;
  const columns: Column<PolicyRef>[] = [
    { header: "Name", cell: (policy) => <Link to={policyPath(meshName, policy.policyName)}>{policy.policyName}</Link> },
    { header: "Type", cell: (policy) => <code>{policy.type}</code> },
    ...(targetArn ? [] : [{ header: "Target", cell: (policy: PolicyRef) => <TargetLink arn={policy.targetArn} /> }]),
    { header: "Version", cell: (policy) => policy.version, numeric: true },
    { header: "Last updated", cell: (policy) => formatTime(policy.lastUpdatedAt) },
    {
      header: "Actions",
      cell: (policy) => (
        <div class="row-actions">
          <Link class="button button-secondary" to={policyPath(meshName, policy.policyName)} aria-label={`Edit policy ${policy.policyName}`}>
            Edit
          </Link>
          <button type="button" class="button-danger" onClick={() => setDeleting(policy)} aria-label={`Delete policy ${policy.policyName}`}>
            Delete
          </button>
        </div>
      ),
    },
  ];
  return (
    <>
      {deleting && (
        <ConfirmDialog
          title={`Delete policy ${deleting.policyName}?`}
          confirmLabel="Delete policy"
          onClose={() => setDeleting(null)}
          onConfirm={async () => {
            await deletePolicy(meshName, deleting.policyName);
            policies.reload();
          }}
        >
          <p>{`The ${deleting.type} policy stops applying to ${targetLabel(deleting.targetArn)}; Envoys and gateways receive the change.`}</p>
        </ConfirmDialog>
      )}
      <DataTable<PolicyRef> caption={caption} rowKey={(policy) => policy.arn} rows={policies.data} empty="No policies yet." columns={columns} />
    </>
  );
}

/** The Policies section of an attachable resource's page. */
export function PoliciesSection({ meshName, targetArn, targetName }: { meshName: string; targetArn: string; targetName: string }) {
  return (
    <Section
      title="Policies"
      actions={
        <Link class="button button-primary" to={newPolicyPath(meshName, targetArn)}>
          Create policy
        </Link>
      }
    >
      <PolicyTable meshName={meshName} targetArn={targetArn} caption={`Policies of ${targetName}`} />
    </Section>
  );
}

/** `/meshes/{mesh}/policies`, optionally `?target=ARN` for those on one resource. */
export function MeshPoliciesPage({ meshName }: { meshName: string }) {
  const target = new URLSearchParams(location.search).get("target") ?? undefined;
  // Without a target, Create starts a policy on the mesh itself (the JSON's targetRef can name any resource).
  const mesh = useAsync((signal) => describe("mesh", { meshName }, signal), [meshName]);
  const createOn = target ?? mesh.data?.metadata.arn;
  return (
    <>
      <PageHeader
        title={target ? `Policies of ${targetLabel(target)}` : "Policies"}
        crumbs={[{ label: "Meshes", to: "/" }, { label: meshName, to: pathOf("meshes", meshName) }, ...(target ? [{ label: "Policies", to: pathOf("meshes", meshName, "policies") }] : []), { label: target ? targetLabel(target) : "Policies" }]}
        description="Fault injection, mirroring, rate limits, header rules, CORS, JWT, external authorization, load balancing and Envoy patches, attached to the mesh's resources. Each resource's page lists and creates its own."
        actions={
          createOn ? (
            <Link class="button button-primary" to={newPolicyPath(meshName, createOn)}>
              Create policy
            </Link>
          ) : undefined
        }
      />
      <PolicyTable meshName={meshName} {...(target ? { targetArn: target } : {})} caption={target ? `Policies of ${targetLabel(target)}` : `Policies of mesh ${meshName}`} />
    </>
  );
}
