// One resource: its metadata, its spec (read as a form would label it, or as JSON), what it contains (a router's
// routes, a gateway's gateway routes, a mesh's resources), who changed it, and Edit and Delete.
import { useContext, useState } from "preact/hooks";
import { canReadAudit, SessionContext } from "../api/session.js";
import { callOperation, describe, kindDescriptors, operationName, type ResourceData } from "../api/appmesh.js";
import { ConfirmDialog } from "../components/confirm-dialog.js";
import { JsonView } from "../components/json-view.js";
import { ErrorAlert, Loading, PageHeader, Section, formatTime } from "../components/page.js";
import { SpecView } from "../components/spec-view.js";
import { useAsync } from "../components/use-async.js";
import { Link, navigate, pathOf } from "../router.js";
import { meshCollections, nounOf, operationKey, pluralTitleOf, resourcePath, titleOf, type ResourceAddress } from "../resources.js";
import { RecentChanges } from "./audit-log.js";
import { PoliciesSection } from "./policies.js";
import { breadcrumbsFor } from "./resource-editor.js";
import { CreateLink, ResourceTable } from "./resource-list.js";

/** Kinds a policy can target (functions/policies/attachment.ts). */
const attachable = new Set<ResourceAddress["kind"]>(["mesh", "virtualNode", "virtualGateway", "route", "gatewayRoute"]);

function Metadata({ data }: { data: ResourceData }) {
  const rows: Array<[string, string]> = [
    ["ARN", data.metadata.arn],
    ["Status", data.status?.status ?? "—"],
    ["Mesh owner", data.metadata.meshOwner],
    ["Resource owner", data.metadata.resourceOwner],
    ["Version", String(data.metadata.version)],
    ["Created", formatTime(data.metadata.createdAt)],
    ["Last updated", formatTime(data.metadata.lastUpdatedAt)],
    ["UID", data.metadata.uid],
  ];
  return (
    <dl class="metadata">
      {rows.map(([label, value]) => (
        <div>
          <dt>{label}</dt>
          <dd class={label === "ARN" || label === "UID" ? "mono" : undefined}>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

function SpecSection({ address, data }: { address: ResourceAddress; data: ResourceData }) {
  const [asJson, setAsJson] = useState(false);
  const specShape = kindDescriptors[address.kind].specShape;
  return (
    <Section
      title="Spec"
      actions={
        <div class="form-mode" role="group" aria-label="Show spec as">
          <button type="button" class="toggle" aria-pressed={!asJson} onClick={() => setAsJson(false)}>
            Details
          </button>
          <button type="button" class="toggle" aria-pressed={asJson} onClick={() => setAsJson(true)}>
            JSON
          </button>
        </div>
      }
    >
      {asJson ? <JsonView value={data} label={`${titleOf(address.kind)} ${address.name} as JSON`} /> : <SpecView shape={specShape} value={data.spec} />}
    </Section>
  );
}

function MeshContents({ meshName, audit }: { meshName: string; audit: boolean }) {
  return (
    <Section title="Resources">
      <ul class="tile-list">
        {Object.entries(meshCollections).map(([segment, kind]) => (
          <li>
            <Link class="tile" to={pathOf("meshes", meshName, segment)}>
              <span class="tile-title">{pluralTitleOf(kind)}</span>
              <span class="tile-text">{`Create, edit and delete ${pluralTitleOf(kind).toLowerCase()}`}</span>
            </Link>
          </li>
        ))}
        {[
          ["topology", "Topology", "Gateways, services, routers, routes and nodes, laid out"],
          ["policies", "Policies", "Rate limits, headers, faults, CORS, JWT and more, on the mesh's resources"],
          ["proxies", "Proxies", "Connected Envoys and what they accepted"],
          ["explain", "Explain", "Which route serves a request, and why"],
          ...(audit ? [["audit", "Audit log", "Who changed what in this mesh"]] : []),
        ].map(([segment, title, text]) => (
          <li>
            <Link class="tile" to={pathOf("meshes", meshName, segment!)}>
              <span class="tile-title">{title}</span>
              <span class="tile-text">{text}</span>
            </Link>
          </li>
        ))}
      </ul>
    </Section>
  );
}

export function ResourceDetailPage({ address }: { address: ResourceAddress }) {
  const session = useContext(SessionContext);
  const resource = useAsync((signal) => describe(address.kind, operationKey(address), signal), [address.kind, address.meshName, address.parentName, address.name]);
  const [deleting, setDeleting] = useState(false);
  const noun = nounOf(address.kind);
  const isProxyKind = address.kind === "virtualNode" || address.kind === "virtualGateway";
  const actions = (
    <>
      {isProxyKind && (
        <>
          <Link class="button button-secondary" to={resourcePath(address, "config")}>
            Config dump
          </Link>
          <Link class="button button-secondary" to={`${pathOf("meshes", address.meshName, "explain")}?${new URLSearchParams({ [address.kind]: address.name! })}`}>
            Explain a request
          </Link>
        </>
      )}
      <Link class="button button-secondary" to={resourcePath(address, "edit")}>
        Edit
      </Link>
      <button type="button" class="button-danger" onClick={() => setDeleting(true)}>
        Delete
      </button>
    </>
  );
  const header = <PageHeader title={address.name!} crumbs={breadcrumbsFor(address)} description={titleOf(address.kind)} actions={actions} />;
  if (resource.error !== undefined) return <>{header}<ErrorAlert error={resource.error} title={`Describing ${noun} ${address.name} failed`} /></>;
  if (!resource.data) return <>{header}<Loading /></>;
  const data = resource.data;
  const parentOf = (kind: "route" | "gatewayRoute") => ({ kind, meshName: address.meshName, parentName: address.name! });
  const afterDelete = () => {
    const parent = kindDescriptors[address.kind].parent;
    if (address.kind === "mesh") navigate("/");
    else if (parent) navigate(resourcePath({ kind: parent.kind, meshName: address.meshName, name: address.parentName! }));
    else navigate(resourcePath({ ...address, name: undefined }));
  };
  return (
    <>
      {header}
      {deleting && (
        <ConfirmDialog
          title={`Delete ${noun} ${address.name}?`}
          confirmLabel={`Delete ${noun}`}
          onClose={() => setDeleting(false)}
          onConfirm={async () => {
            await callOperation(operationName("Delete", address.kind), operationKey(address));
            afterDelete();
          }}
        >
          <p>{`Envoys stop receiving what ${address.name} configures. Resources that still reference it keep it from being deleted.`}</p>
        </ConfirmDialog>
      )}
      <Section title="Details">
        <Metadata data={data} />
      </Section>
      {address.kind === "mesh" && <MeshContents meshName={address.meshName} audit={canReadAudit(session)} />}
      {address.kind === "virtualRouter" && (
        <Section title="Routes" actions={<CreateLink collection={parentOf("route")} />}>
          <ResourceTable collection={parentOf("route")} caption={`Routes of ${address.name}`} />
        </Section>
      )}
      {address.kind === "virtualGateway" && (
        <Section title="Gateway routes" actions={<CreateLink collection={parentOf("gatewayRoute")} />}>
          <ResourceTable collection={parentOf("gatewayRoute")} caption={`Gateway routes of ${address.name}`} />
        </Section>
      )}
      <SpecSection address={address} data={data} />
      {attachable.has(address.kind) && <PoliciesSection meshName={address.meshName} targetArn={data.metadata.arn} targetName={`${nounOf(address.kind)} ${address.name}`} />}
      {canReadAudit(session) && <RecentChanges arn={data.metadata.arn} />}
    </>
  );
}
