// The console's shell: the session (open mode, sign-in, sign-out), the header and navigation, and which page a
// URL shows. Views that need a large library (the layout engine, core-wasm) load when first opened.
import type { ComponentChildren, FunctionComponent } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { onSessionLost } from "./api/http.js";
import { canReadAudit, loadSession, SessionContext, signOut, type Session } from "./api/session.js";
import { ErrorAlert, Loading, PageHeader } from "./components/page.js";
import { useAsync } from "./components/use-async.js";
import { Link, navigate, pathOf, segmentsOf, useLocationPath } from "./router.js";
import { childCollections, meshCollections, type ResourceAddress } from "./resources.js";
import { AuditLogPage } from "./views/audit-log.js";
import { ConfigDumpPage } from "./views/config-dump.js";
import { EndpointsPage } from "./views/endpoints.js";
import { MeshesPage } from "./views/meshes.js";
import { MeshPoliciesPage } from "./views/policies.js";
import { CreatePolicyPage, EditPolicyPage } from "./views/policy-editor.js";
import { ProxiesPage } from "./views/proxies.js";
import { LintPage } from "./views/lint.js";
import { ResourceDetailPage } from "./views/resource-detail.js";
import { CreateResourcePage, EditResourcePage } from "./views/resource-editor.js";
import { ResourceListPage } from "./views/resource-list.js";
import { SignIn } from "./views/sign-in.js";
import { WizardPage } from "./views/wizard.js";

/** A page whose code is fetched the first time it is shown (esbuild splits it into its own chunk). */
function lazyPage<P extends object>(load: () => Promise<FunctionComponent<P>>): FunctionComponent<P> {
  let loaded: Promise<FunctionComponent<P>> | undefined;
  return function LazyPage(props: P) {
    const page = useAsync(() => (loaded ??= load()), []);
    if (page.error !== undefined) return <ErrorAlert error={page.error} title="Loading this page failed" />;
    if (!page.data) return <Loading />;
    const Page = page.data;
    return <Page {...props} />;
  };
}

const TopologyPage = lazyPage<{ meshName: string }>(() => import("./views/topology.js").then((module) => module.TopologyPage));
const ExplainPage = lazyPage<{ meshName: string }>(() => import("./views/explain.js").then((module) => module.ExplainPage));

function NotFound() {
  return (
    <>
      <PageHeader title="Page not found" />
      <p>
        This console page does not exist. <Link to="/">Go to the meshes</Link>.
      </p>
    </>
  );
}

/** Which page a console path shows. */
function pageFor(segments: string[]): { page: ComponentChildren; meshName?: string } {
  const [first, meshName, second, third, fourth, fifth, sixth, seventh] = segments;
  if (first === undefined) return { page: <MeshesPage /> };
  if (first === "get-started" && segments.length === 1) return { page: <WizardPage /> };
  if (first === "endpoints" && segments.length === 1) return { page: <EndpointsPage /> };
  if (first === "audit" && segments.length === 1) return { page: <AuditLogPage /> };
  if (first !== "meshes" || meshName === undefined) return { page: <NotFound /> };
  const mesh: ResourceAddress = { kind: "mesh", meshName, name: meshName };
  if (meshName === "new" && segments.length === 2) return { page: <CreateResourcePage collection={{ kind: "mesh", meshName: "" }} /> };
  if (second === undefined) return { page: <ResourceDetailPage address={mesh} />, meshName };
  if (second === "edit" && third === undefined) return { page: <EditResourcePage address={mesh} />, meshName };
  if (third === undefined) {
    if (second === "topology") return { page: <TopologyPage meshName={meshName} />, meshName };
    if (second === "policies") return { page: <MeshPoliciesPage meshName={meshName} />, meshName };
    if (second === "proxies") return { page: <ProxiesPage meshName={meshName} />, meshName };
    if (second === "lint") return { page: <LintPage meshName={meshName} />, meshName };
    if (second === "explain") return { page: <ExplainPage meshName={meshName} />, meshName };
    if (second === "audit") return { page: <AuditLogPage meshName={meshName} />, meshName };
  }
  if (second === "policies" && third !== undefined && fourth === undefined) {
    return { page: third === "new" ? <CreatePolicyPage meshName={meshName} /> : <EditPolicyPage meshName={meshName} policyName={third} />, meshName };
  }
  const kind = meshCollections[second as keyof typeof meshCollections];
  if (!kind) return { page: <NotFound />, meshName };
  const collection: ResourceAddress = { kind, meshName };
  if (third === undefined) return { page: <ResourceListPage collection={collection} />, meshName };
  if (third === "new" && fourth === undefined) return { page: <CreateResourcePage collection={collection} />, meshName };
  const address: ResourceAddress = { kind, meshName, name: third };
  if (fourth === undefined) return { page: <ResourceDetailPage address={address} />, meshName };
  if (fourth === "edit" && fifth === undefined) return { page: <EditResourcePage address={address} />, meshName };
  if (fourth === "config" && fifth === undefined && (kind === "virtualNode" || kind === "virtualGateway")) return { page: <ConfigDumpPage address={address} />, meshName };
  const childKind = childCollections[fourth as keyof typeof childCollections];
  const expectedChild = kind === "virtualRouter" ? "route" : kind === "virtualGateway" ? "gatewayRoute" : undefined;
  if (!childKind || childKind !== expectedChild) return { page: <NotFound />, meshName };
  const child: ResourceAddress = { kind: childKind, meshName, parentName: third };
  if (fifth === "new" && sixth === undefined) return { page: <CreateResourcePage collection={child} />, meshName };
  if (fifth === undefined) return { page: <ResourceDetailPage address={address} />, meshName };
  const childAddress = { ...child, name: fifth };
  if (sixth === undefined) return { page: <ResourceDetailPage address={childAddress} />, meshName };
  if (sixth === "edit" && seventh === undefined) return { page: <EditResourcePage address={childAddress} />, meshName };
  return { page: <NotFound />, meshName };
}

function NavLink({ to, current, children, exact }: { to: string; current: string; children: ComponentChildren; exact?: boolean }) {
  const active = current === to || (!exact && to !== "/" && current.startsWith(`${to}/`));
  return (
    <li>
      <Link to={to} class={active ? "active" : undefined} aria-current={current === to ? "page" : undefined}>
        {children}
      </Link>
    </li>
  );
}

function Navigation({ path, meshName, audit }: { path: string; meshName: string | undefined; audit: boolean }) {
  return (
    <>
      <nav aria-label="Console" class="nav-section">
        <ul>
          <NavLink to="/" current={path}>
            Meshes
          </NavLink>
          <NavLink to="/get-started" current={path}>
            Get started
          </NavLink>
          <NavLink to="/endpoints" current={path}>
            Endpoint registry
          </NavLink>
          {audit && (
            <NavLink to="/audit" current={path}>
              Audit log
            </NavLink>
          )}
        </ul>
      </nav>
      {meshName !== undefined && (
        <nav aria-label={`Mesh ${meshName}`} class="nav-section">
          <h2 class="nav-heading">{meshName}</h2>
          <ul>
            <NavLink to={pathOf("meshes", meshName)} current={path} exact>
              Mesh details
            </NavLink>
            {Object.entries(meshCollections).map(([segment]) => (
              <NavLink to={pathOf("meshes", meshName, segment)} current={path}>
                {{ "virtual-services": "Virtual services", "virtual-nodes": "Virtual nodes", "virtual-routers": "Virtual routers", "virtual-gateways": "Virtual gateways" }[segment]}
              </NavLink>
            ))}
          </ul>
          <ul class="nav-group">
            {(
              [
                ["topology", "Topology"],
                ["policies", "Policies"],
                ["proxies", "Proxies"],
                ["lint", "Unserved specs"],
                ["explain", "Explain"],
                ...(audit ? ([["audit", "Audit log"]] as const) : []),
              ] as const
            ).map(([segment, title]) => (
              <NavLink to={pathOf("meshes", meshName, segment)} current={path}>
                {title}
              </NavLink>
            ))}
          </ul>
        </nav>
      )}
    </>
  );
}

function Shell({ session, onSignOut }: { session: Session; onSignOut(): void }) {
  const path = useLocationPath();
  const [menuOpen, setMenuOpen] = useState(false);
  useEffect(() => setMenuOpen(false), [path]);
  const { page, meshName } = pageFor(segmentsOf(path));
  return (
    <div class="shell">
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <button type="button" class="menu-button" aria-expanded={menuOpen} aria-controls="sidebar" onClick={() => setMenuOpen(!menuOpen)}>
          Menu
        </button>
        <Link to="/" class="brand">
          <span class="brand-mark" aria-hidden="true" />
          meshplane <span class="brand-sub">console</span>
        </Link>
        <div class="topbar-end">
          {session.mode === "signed-in" ? (
            <>
              <span class="who">
                Signed in as <strong>{session.principal}</strong>
              </span>
              <button type="button" class="button-topbar" onClick={onSignOut}>
                Sign out
              </button>
            </>
          ) : (
            <span class="who" title="No sign-in: meshplane listens on loopback with authentication off.">
              Open mode (loopback, no authentication)
            </span>
          )}
        </div>
      </header>
      <div class="body">
        <aside id="sidebar" class={`sidebar${menuOpen ? " open" : ""}`}>
          <Navigation path={path} meshName={meshName} audit={canReadAudit(session)} />
        </aside>
        <main id="main" class="content" tabIndex={-1}>
          {page}
        </main>
      </div>
    </div>
  );
}

export function App() {
  const [session, setSession] = useState<Session | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const current = useRef<Session | null>(null);
  current.current = session;
  useEffect(() => {
    loadSession().then(setSession, setError);
    // An expired or revoked session: ask for sign-in again, saying why.
    return onSessionLost((lost) => {
      if (current.current?.mode !== "signed-in") return;
      setNotice(lost.message);
      setSession({ mode: "signed-out" });
    });
  }, []);
  if (error !== undefined) return <ErrorAlert error={error} title="The console could not reach meshplane" />;
  if (!session) return <Loading label="Starting the console…" />;
  if (session.mode === "signed-out") {
    return (
      <SignIn
        {...(notice ? { notice } : {})}
        onSignedIn={(next) => {
          setNotice(undefined);
          setSession(next);
        }}
      />
    );
  }
  const onSignOut = () => {
    signOut().then(
      (next) => {
        setSession(next);
        navigate("/", { replace: true });
      },
      () => setSession({ mode: "signed-out" }),
    );
  };
  return (
    <SessionContext.Provider value={session}>
      <Shell session={session} onSignOut={onSignOut} />
    </SessionContext.Provider>
  );
}
