// What the mesh's proxies cannot serve (GET /v1/xds/lint?mesh=): specs the API accepted, as App Mesh's did, that
// the translation leaves out, each with the resource, the field at fault and why. The first place to look when a
// route "does nothing".
import { ApiError, request } from "../api/http.js";
import { ErrorAlert, Loading, PageHeader } from "../components/page.js";
import { useAsync } from "../components/use-async.js";
import { resourcePath, type ResourceAddress } from "../resources.js";
import { Link, pathOf } from "../router.js";

/** One warning as GET /v1/xds/lint answers it (docs/operations.md §3). */
export interface LintWarning {
  code: string;
  resource: { kind: ResourceAddress["kind"]; name: string; parentName?: string; arn: string };
  field: string;
  message: string;
}

interface LintReport {
  mesh: string;
  meshRevision: number;
  warnings: LintWarning[];
}

/** Words between the camel-case humps of a code: `RouteProtocolMismatch` → "Route protocol mismatch". */
const titleOfCode = (code: string) => code.replace(/(?<=[a-z0-9])([A-Z])/g, " $1").replace(/ (\w)/g, (_, c: string) => ` ${c.toLowerCase()}`);

function WarningRow({ meshName, warning }: { meshName: string; warning: LintWarning }) {
  const { kind, name, parentName } = warning.resource;
  const address: ResourceAddress = parentName ? { kind, meshName, parentName, name } : { kind, meshName, name };
  return (
    <tr>
      <th scope="row">
        <Link to={resourcePath(address)}>{parentName ? `${parentName} / ${name}` : name}</Link>
        <span class="muted">{` (${kind})`}</span>
      </th>
      <td class="mono">{warning.field}</td>
      <td>
        <span class="badge badge-wait" title={warning.code}>
          {titleOfCode(warning.code)}
        </span>
      </td>
      <td>{warning.message}</td>
    </tr>
  );
}

export function LintPage({ meshName }: { meshName: string }) {
  const report = useAsync((signal) => request<LintReport>("GET", `/v1/xds/lint?mesh=${encodeURIComponent(meshName)}`, { signal }), [meshName]);
  const warnings = report.data?.warnings;
  return (
    <>
      <PageHeader
        title="Unserved specs"
        crumbs={[{ label: "Meshes", to: "/" }, { label: meshName, to: pathOf("meshes", meshName) }, { label: "Unserved specs" }]}
        description="Specs the API accepted, as App Mesh's did, that no proxy can serve: what each leaves out and why."
        actions={
          <button type="button" class="button-secondary" onClick={report.reload}>
            Check again
          </button>
        }
      />
      {report.error instanceof ApiError && report.error.status === 404 ? (
        <p class="empty-state">This control plane does not check specs (a Cloudflare Worker serves the App Mesh API and the console only).</p>
      ) : (
        report.error !== undefined && <ErrorAlert error={report.error} title="Checking the mesh failed" />
      )}
      {warnings === undefined ? (
        report.error === undefined && <Loading />
      ) : warnings.length === 0 ? (
        <p class="empty-state">{`Every spec of mesh ${meshName} is served (revision ${report.data!.meshRevision}).`}</p>
      ) : (
        <div class="table-wrap" role="region" aria-label="Unserved specs" tabIndex={0}>
          <table>
            <caption class="visually-hidden">{`${warnings.length} specs of mesh ${meshName} that no proxy can serve, at revision ${report.data!.meshRevision}`}</caption>
            <thead>
              <tr>
                <th scope="col">Resource</th>
                <th scope="col">Field</th>
                <th scope="col">Problem</th>
                <th scope="col">What is not served</th>
              </tr>
            </thead>
            <tbody>
              {warnings.map((warning) => (
                <WarningRow meshName={meshName} warning={warning} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
