// Hash routes, so the hub's static file server needs no fallback: `#/`, `#/host/ID` and `#/monitors`.

export type Route = { page: "overview" } | { page: "host"; host: string } | { page: "monitors" };

/** The route a location hash names; anything unknown is the overview. */
export function parseRoute(hash: string): Route {
  if (/^#\/monitors\/?$/.test(hash)) return { page: "monitors" };
  const match = /^#\/host\/([^/?]+)/.exec(hash);
  if (match?.[1]) return { page: "host", host: decodeURIComponent(match[1]) };
  return { page: "overview" };
}

/** The link to a host's page. */
export function hostHref(host: number | string): string {
  return `#/host/${encodeURIComponent(String(host))}`;
}

/** A mounted page: its root element and how to stop everything it started. */
export interface View {
  readonly element: HTMLElement;
  readonly title: string;
  destroy(): void;
}
