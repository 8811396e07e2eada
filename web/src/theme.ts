// Light and dark follow the system setting; canvases read their colours from CSS.

const scheme = window.matchMedia("(prefers-color-scheme: dark)");

/** The value of a custom property on the root element, e.g. `cssVar("--muted")`. */
export function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || "#888";
}

/** Calls `listener` whenever the system switches between light and dark; returns how to stop. */
export function onSchemeChange(listener: () => void): () => void {
  scheme.addEventListener("change", listener);
  return () => scheme.removeEventListener("change", listener);
}
