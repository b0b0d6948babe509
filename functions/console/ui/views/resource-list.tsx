// The table of one kind of resource, in App Mesh's console columns: name, mesh owner, resource owner, version,
// last update; a Create button above it.
import { kindDescriptors, listAll, type ResourceRef } from "../api/appmesh.js";
import { DataTable } from "../components/data-table.js";
import { ErrorAlert, Loading, PageHeader, formatTime, type Crumb } from "../components/page.js";
import { useAsync } from "../components/use-async.js";
import { Link } from "../router.js";
import { nounOf, operationKey, pluralTitleOf, resourcePath, type ResourceAddress } from "../resources.js";

/** The table alone, for pages that show a collection inside another resource (a router's routes). */
export function ResourceTable({ collection, caption }: { collection: ResourceAddress; caption?: string }) {
  const descriptor = kindDescriptors[collection.kind];
  const scope = operationKey({ ...collection, name: undefined });
  const refs = useAsync((signal) => listAll(collection.kind, collection.kind === "mesh" ? {} : scope, signal), [collection.kind, collection.meshName, collection.parentName]);
  if (refs.error !== undefined) return <ErrorAlert error={refs.error} title={`Listing ${pluralTitleOf(collection.kind).toLowerCase()} failed`} />;
  if (!refs.data) return <Loading />;
  const nameOf = (ref: ResourceRef) => ref[descriptor.nameMember] as string;
  return (
    <DataTable<ResourceRef>
      caption={caption ?? pluralTitleOf(collection.kind)}
      rowKey={(ref) => ref.arn}
      rows={refs.data}
      empty={`No ${pluralTitleOf(collection.kind).toLowerCase()} yet.`}
      columns={[
        { header: "Name", cell: (ref) => <Link to={resourcePath({ ...collection, name: nameOf(ref), meshName: collection.kind === "mesh" ? nameOf(ref) : collection.meshName })}>{nameOf(ref)}</Link> },
        { header: "Mesh owner", cell: (ref) => ref.meshOwner },
        { header: "Resource owner", cell: (ref) => ref.resourceOwner },
        { header: "Version", cell: (ref) => ref.version, numeric: true },
        { header: "Last updated", cell: (ref) => formatTime(ref.lastUpdatedAt) },
      ]}
    />
  );
}

export function CreateLink({ collection }: { collection: ResourceAddress }) {
  return (
    <Link class="button button-primary" to={resourcePath({ ...collection, name: undefined }, "new")}>
      {`Create ${nounOf(collection.kind)}`}
    </Link>
  );
}

/** A page listing a mesh's virtual services, nodes, routers or gateways. */
export function ResourceListPage({ collection }: { collection: ResourceAddress }) {
  const crumbs: Crumb[] = [
    { label: "Meshes", to: "/" },
    { label: collection.meshName, to: resourcePath({ kind: "mesh", meshName: collection.meshName, name: collection.meshName }) },
    { label: pluralTitleOf(collection.kind) },
  ];
  return (
    <>
      <PageHeader title={pluralTitleOf(collection.kind)} crumbs={crumbs} actions={<CreateLink collection={collection} />} />
      <ResourceTable collection={collection} />
    </>
  );
}
