// The console's pages are real URLs under /console/ (the server answers each with the page): links push history
// entries, the back button works, and a page can be bookmarked or shared.
import type { ComponentChildren, JSX } from "preact";
import { useEffect, useState } from "preact/hooks";

export const BASE = "/console";

const listeners = new Set<() => void>();

/** Goes to a console path such as `/meshes/apps/topology`. */
export function navigate(path: string, options: { replace?: boolean } = {}): void {
  const url = `${BASE}${path}`;
  if (url === location.pathname + location.search) return;
  if (options.replace) history.replaceState(null, "", url);
  else history.pushState(null, "", url);
  listeners.forEach((listener) => listener());
  window.scrollTo(0, 0);
}

function currentPath(): string {
  const path = location.pathname.startsWith(BASE) ? location.pathname.slice(BASE.length) : location.pathname;
  return path === "" ? "/" : path;
}

/** The current console path (decoded segments are up to the caller), re-rendering on navigation. */
export function useLocationPath(): string {
  const [path, setPath] = useState(currentPath);
  useEffect(() => {
    const update = () => setPath(currentPath());
    listeners.add(update);
    window.addEventListener("popstate", update);
    return () => {
      listeners.delete(update);
      window.removeEventListener("popstate", update);
    };
  }, []);
  return path;
}

/** Splits a console path into decoded segments. */
export const segmentsOf = (path: string): string[] => path.split("/").filter(Boolean).map((segment) => decodeURIComponent(segment));

/** Builds a console path from raw segments. */
export const pathOf = (...segments: string[]): string => `/${segments.map(encodeURIComponent).join("/")}`;

type LinkProps = Omit<JSX.HTMLAttributes<HTMLAnchorElement>, "href"> & { to: string; children: ComponentChildren };

/** An anchor to a console page; plain clicks stay in the page, modified clicks open new tabs as usual. */
export function Link({ to, children, ...rest }: LinkProps) {
  const onClick = (event: MouseEvent) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to);
  };
  return (
    <a href={`${BASE}${to}`} onClick={onClick} {...rest}>
      {children}
    </a>
  );
}
