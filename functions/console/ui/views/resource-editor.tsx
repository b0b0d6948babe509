// Create and Edit pages of every kind: the model-driven form of Create*/Update*, with the mesh's resource names
// for the fields that must name one.
import { describe, kindDescriptors, listAll, operationName, type ResourceKind } from "../api/appmesh.js";
import { ErrorAlert, Loading, PageHeader, type Crumb } from "../components/page.js";
import { useAsync } from "../components/use-async.js";
import type { FormContextValue } from "../forms/form-context.js";
import { editableMembers, ResourceForm } from "../forms/resource-form.js";
import { navigate } from "../router.js";
import { nounOf, operationKey, pluralTitleOf, resourcePath, titleOf, type ResourceAddress } from "../resources.js";

/** Names of the mesh's virtual nodes, routers and services (an empty set for a mesh not created yet). */
export function useReferenceNames(meshName: string): FormContextValue["references"] {
  const names = useAsync(async (signal) => {
    if (meshName === "") return {};
    const kinds: ResourceKind[] = ["virtualNode", "virtualRouter", "virtualService"];
    const lists = await Promise.all(kinds.map((kind) => listAll(kind, { meshName }, signal).catch(() => [])));
    return Object.fromEntries(kinds.map((kind, index) => [kind, lists[index]!.map((ref) => ref[kindDescriptors[kind].nameMember] as string)]));
  }, [meshName]);
  return names.data ?? {};
}

export function breadcrumbsFor(address: ResourceAddress, last?: string): Crumb[] {
  const crumbs: Crumb[] = [{ label: "Meshes", to: "/" }];
  if (address.kind !== "mesh" || address.name) crumbs.push({ label: address.meshName, to: resourcePath({ kind: "mesh", meshName: address.meshName, name: address.meshName }) });
  const parent = kindDescriptors[address.kind].parent;
  if (parent && address.parentName) {
    crumbs.push({ label: pluralTitleOf(parent.kind), to: resourcePath({ kind: parent.kind, meshName: address.meshName }) });
    crumbs.push({ label: address.parentName, to: resourcePath({ kind: parent.kind, meshName: address.meshName, name: address.parentName }) });
  } else if (address.kind !== "mesh") {
    crumbs.push({ label: pluralTitleOf(address.kind), to: resourcePath({ ...address, name: undefined }) });
  }
  if (address.name && address.kind !== "mesh") crumbs.push({ label: address.name, ...(last ? { to: resourcePath(address) } : {}) });
  if (last) crumbs.push({ label: last });
  return crumbs;
}

export function CreateResourcePage({ collection }: { collection: ResourceAddress }) {
  const references = useReferenceNames(collection.kind === "mesh" ? "" : collection.meshName);
  const descriptor = kindDescriptors[collection.kind];
  const title = `Create ${nounOf(collection.kind)}`;
  return (
    <>
      <PageHeader title={title} crumbs={breadcrumbsFor({ ...collection, name: undefined }, title)} />
      <ResourceForm
        operation={operationName("Create", collection.kind)}
        scope={operationKey({ ...collection, name: undefined })}
        submitLabel={title}
        references={references}
        onDone={(output) => {
          const name = output[descriptor.nameMember] as string;
          navigate(resourcePath({ ...collection, name, meshName: collection.kind === "mesh" ? name : collection.meshName }));
        }}
        onCancel={() => history.back()}
      />
    </>
  );
}

export function EditResourcePage({ address }: { address: ResourceAddress }) {
  const references = useReferenceNames(address.meshName);
  const resource = useAsync((signal) => describe(address.kind, operationKey(address), signal), [address.kind, address.meshName, address.parentName, address.name]);
  const title = `Edit ${nounOf(address.kind)} ${address.name}`;
  const header = <PageHeader title={title} crumbs={breadcrumbsFor(address, "Edit")} description={`${titleOf(address.kind)} names cannot change; everything in the spec can.`} />;
  if (resource.error !== undefined) return <>{header}<ErrorAlert error={resource.error} /></>;
  if (!resource.data) return <>{header}<Loading /></>;
  const operation = operationName("Update", address.kind);
  const initial = Object.fromEntries(editableMembers(operation).filter((member) => resource.data![member] !== undefined).map((member) => [member, resource.data![member]]));
  return (
    <>
      {header}
      <ResourceForm operation={operation} scope={operationKey(address)} initial={initial} submitLabel="Save" references={references} onDone={() => navigate(resourcePath(address))} onCancel={() => history.back()} />
    </>
  );
}
