// The audit log (GET /v1/audit, admin principals only): every change and every ADS connection, with who made it,
// with the endpoint's filters; per mesh, narrowed to that mesh's resources; per resource, its latest changes.
import { useEffect, useState } from "preact/hooks";
import { describe } from "../api/appmesh.js";
import { errorText, request } from "../api/http.js";
import { DataTable } from "../components/data-table.js";
import { ErrorAlert, Loading, PageHeader, Section, formatTime } from "../components/page.js";
import { useAsync } from "../components/use-async.js";
import { pathOf } from "../router.js";

/** One entry as GET /v1/audit answers it (the UI knows the HTTP API, not the store behind it). */
export interface AuditEntry {
  seq: number;
  at: number;
  requestId: string;
  principal: string;
  credential: string;
  sourceAddress: string;
  action: string;
  resource: string;
  outcome: string;
  errorCode: string;
}

interface AuditPage {
  entries: AuditEntry[];
  nextToken?: string;
}

const filterNames = ["principal", "action", "resource", "outcome", "since", "until"] as const;
type Filters = Record<(typeof filterNames)[number], string>;
const emptyFilters: Filters = { principal: "", action: "", resource: "", outcome: "", since: "", until: "" };

const filterLabels: Record<keyof Filters, string> = {
  principal: "Principal",
  action: "Action",
  resource: "Resource (ARN, or a prefix ending in *)",
  outcome: "Outcome",
  since: "Since",
  until: "Until",
};

/** datetime-local values are local times; the endpoint takes ISO-8601. */
const toQueryTime = (local: string) => (local === "" ? undefined : new Date(local).toISOString());

async function queryAudit(filters: Filters, nextToken: string | undefined, signal?: AbortSignal): Promise<AuditPage> {
  return request<AuditPage>("GET", "/v1/audit", {
    query: { principal: filters.principal, action: filters.action, resource: filters.resource, outcome: filters.outcome, since: toQueryTime(filters.since), until: toQueryTime(filters.until), limit: 100, nextToken },
    ...(signal ? { signal } : {}),
  });
}

function AuditTable({ entries, caption }: { entries: readonly AuditEntry[]; caption: string }) {
  return (
    <DataTable<AuditEntry>
      caption={caption}
      rowKey={(entry) => String(entry.seq)}
      rows={entries}
      empty="No entries match."
      columns={[
        { header: "Time", cell: (entry) => <span class="nowrap">{formatTime(entry.at, "ms")}</span> },
        { header: "Principal", cell: (entry) => entry.principal || <span class="muted">none</span> },
        { header: "Action", cell: (entry) => <span class="mono">{entry.action}</span> },
        { header: "Resource", cell: (entry) => <span class="mono wrap">{entry.resource}</span> },
        { header: "Outcome", cell: (entry) => <span class={`badge ${entry.outcome === "allowed" ? "badge-ok" : "badge-bad"}`}>{entry.outcome}</span> },
        { header: "Credential", cell: (entry) => <span class="mono">{entry.credential || "—"}</span> },
        { header: "Source", cell: (entry) => entry.sourceAddress },
      ]}
    />
  );
}

/** The audit log page; with a mesh, its resources only (the mesh's ARN and everything under it). */
export function AuditLogPage({ meshName }: { meshName?: string }) {
  const meshArn = useAsync(async (signal) => (meshName ? (await describe("mesh", { meshName }, signal)).metadata.arn : null), [meshName]);
  const [draft, setDraft] = useState<Filters>(emptyFilters);
  const [applied, setApplied] = useState<Filters>(emptyFilters);
  const [more, setMore] = useState<AuditPage[]>([]);
  const [moreError, setMoreError] = useState<string | null>(null);
  const scoped = (filters: Filters): Filters => (meshArn.data && filters.resource === "" ? { ...filters, resource: `${meshArn.data}*` } : filters);
  const first = useAsync(
    async (signal) => (meshName && !meshArn.data ? null : queryAudit(scoped(applied), undefined, signal)),
    [applied, meshArn.data],
  );
  useEffect(() => setMore([]), [first.data]);
  const pages = first.data ? [first.data, ...more] : [];
  const inMesh = (entry: AuditEntry) => !meshArn.data || entry.resource === meshArn.data || entry.resource.startsWith(`${meshArn.data}/`) || applied.resource !== "";
  const entries = pages.flatMap((page) => page.entries).filter(inMesh);
  const nextToken = pages.at(-1)?.nextToken;
  const crumbs = meshName ? [{ label: "Meshes", to: "/" }, { label: meshName, to: pathOf("meshes", meshName) }, { label: "Audit log" }] : [{ label: "Audit log" }];

  return (
    <>
      <PageHeader
        title="Audit log"
        crumbs={crumbs}
        description={meshName ? `Changes to ${meshName} and its resources, and its Envoys' connections, oldest first.` : "Every change, sign-in and Envoy connection, oldest first. Admin principals only."}
      />
      <form
        class="filters card"
        onSubmit={(event) => {
          event.preventDefault();
          setApplied(draft);
        }}
      >
        {filterNames.map((name) => (
          <div class="field">
            <label for={`audit-${name}`}>{filterLabels[name]}</label>
            <input
              id={`audit-${name}`}
              type={name === "since" || name === "until" ? "datetime-local" : "text"}
              {...(name === "outcome" ? { list: "audit-outcomes" } : {})}
              value={draft[name]}
              onInput={(event) => setDraft({ ...draft, [name]: event.currentTarget.value })}
            />
          </div>
        ))}
        <datalist id="audit-outcomes">
          {["allowed", "denied", "BadRequestException", "NotFoundException", "ConflictException", "MissingAuthenticationTokenException"].map((outcome) => (
            <option value={outcome} />
          ))}
        </datalist>
        <div class="filter-actions">
          <button type="submit" class="button-primary">
            Apply filters
          </button>
          <button
            type="button"
            class="button-secondary"
            onClick={() => {
              setDraft(emptyFilters);
              setApplied(emptyFilters);
            }}
          >
            Clear
          </button>
        </div>
      </form>
      {first.error !== undefined ? (
        <ErrorAlert error={first.error} title="Reading the audit log failed" />
      ) : !first.data && first.loading ? (
        <Loading />
      ) : (
        <>
          <AuditTable entries={entries} caption="Audit log entries" />
          {moreError && <p class="field-error">{moreError}</p>}
          {nextToken && (
            <button
              type="button"
              class="button-secondary load-more"
              onClick={async () => {
                try {
                  setMoreError(null);
                  const page = await queryAudit(scoped(applied), nextToken);
                  setMore((current) => [...current, page]);
                } catch (error) {
                  setMoreError(errorText(error));
                }
              }}
            >
              Load more
            </button>
          )}
        </>
      )}
    </>
  );
}

/** The latest changes to one resource, beside it. */
export function RecentChanges({ arn }: { arn: string }) {
  const changes = useAsync(
    (signal) => request<AuditPage>("GET", "/v1/audit", { query: { resource: arn, limit: 1000 }, signal }).then((page) => page.entries.filter((entry) => entry.action.startsWith("appmesh:")).slice(-10).reverse()),
    [arn],
  );
  return (
    <Section title="Recent changes">
      {changes.error !== undefined ? (
        <p class="muted">{`The audit log is not available to you: ${errorText(changes.error)}`}</p>
      ) : !changes.data ? (
        <Loading />
      ) : (
        <AuditTable entries={changes.data} caption="Recent changes to this resource" />
      )}
    </Section>
  );
}
