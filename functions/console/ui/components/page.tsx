// The frame of every page: breadcrumbs, the title with its actions, and what loads or fails.
import type { ComponentChildren } from "preact";
import { useEffect } from "preact/hooks";
import { errorText } from "../api/http.js";
import { Link } from "../router.js";

export interface Crumb {
  label: string;
  to?: string;
}

export function PageHeader({ title, crumbs = [], actions, description }: { title: string; crumbs?: Crumb[]; actions?: ComponentChildren; description?: ComponentChildren }) {
  useEffect(() => {
    document.title = `${title} · meshplane console`;
  }, [title]);
  return (
    <header class="page-header">
      {crumbs.length > 0 && (
        <nav aria-label="Breadcrumb" class="breadcrumbs">
          <ol>
            {crumbs.map((crumb) => (
              <li>{crumb.to ? <Link to={crumb.to}>{crumb.label}</Link> : <span aria-current="page">{crumb.label}</span>}</li>
            ))}
          </ol>
        </nav>
      )}
      <div class="page-title">
        <h1>{title}</h1>
        {actions && <div class="actions">{actions}</div>}
      </div>
      {description && <p class="page-description">{description}</p>}
    </header>
  );
}

export function Alert({ kind = "error", title, children }: { kind?: "error" | "info" | "success" | "warning"; title?: string; children?: ComponentChildren }) {
  return (
    <div class={`alert alert-${kind}`} role={kind === "error" ? "alert" : "status"}>
      {title && <p class="alert-title">{title}</p>}
      {children && <div class="alert-body">{children}</div>}
    </div>
  );
}

export function ErrorAlert({ error, title = "The request failed" }: { error: unknown; title?: string }) {
  return (
    <Alert title={title}>
      <p>{errorText(error)}</p>
    </Alert>
  );
}

export function Loading({ label = "Loading…" }: { label?: string }) {
  return (
    <p class="loading" role="status">
      {label}
    </p>
  );
}

export function Section({ title, actions, children, id }: { title: string; actions?: ComponentChildren; children: ComponentChildren; id?: string }) {
  const headingId = `${id ?? title.toLowerCase().replace(/[^a-z0-9]+/g, "-")}-heading`;
  return (
    <section class="card" aria-labelledby={headingId}>
      <div class="card-header">
        <h2 id={headingId}>{title}</h2>
        {actions && <div class="actions">{actions}</div>}
      </div>
      <div class="card-body">{children}</div>
    </section>
  );
}

/** Epoch seconds (App Mesh) or milliseconds (meshplane's own endpoints) as local date and time. */
export function formatTime(value: number | string | undefined, unit: "s" | "ms" = "s"): string {
  if (value === undefined) return "—";
  const date = typeof value === "string" ? new Date(value) : new Date(unit === "s" ? value * 1000 : value);
  return Number.isNaN(date.getTime()) ? String(value) : date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });
}
