// The first page: every mesh, with its owners, and the ways to start one.
import { PageHeader } from "../components/page.js";
import { Link } from "../router.js";
import { CreateLink, ResourceTable } from "./resource-list.js";

export function MeshesPage() {
  const meshes = { kind: "mesh" as const, meshName: "" };
  return (
    <>
      <PageHeader
        title="Meshes"
        description="Service meshes on this control plane: meshes you own and meshes shared with you."
        actions={
          <>
            <Link class="button button-secondary" to="/get-started">
              Get started
            </Link>
            <CreateLink collection={meshes} />
          </>
        }
      />
      <ResourceTable collection={meshes} />
    </>
  );
}
