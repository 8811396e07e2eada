// Entry point: the header's link state, the router, and the switch to the login prompt on a 401.

import "./styles.css";

import { ApiError, getJson, setAuthHandler } from "./api";
import { ConnectionIndicator } from "./connection";
import { HostPage } from "./host/page";
import { LoginPrompt } from "./login";
import { MonitorsPage } from "./monitors";
import { OverviewPage } from "./overview";
import { parseRoute, type View } from "./router";

const main = document.getElementById("main") as HTMLElement;
const connection = new ConnectionIndicator(
  document.getElementById("link") as HTMLElement,
  document.getElementById("banner") as HTMLElement,
);

const nav = {
  overview: document.getElementById("nav-hosts") as HTMLElement,
  monitors: document.getElementById("nav-monitors") as HTMLElement,
};

let current: View | null = null;
let signedOut = false;
let monitorsKnown = false;

/** Shows the Monitors link once the hub answers its monitors API (a hub that runs none answers 404). */
async function offerMonitors(): Promise<void> {
  if (monitorsKnown) return;
  try {
    await getJson("/api/v1/monitors");
    nav.monitors.hidden = false;
    monitorsKnown = true;
  } catch (error) {
    // Unreachable: asked again on the next navigation.
    if (error instanceof ApiError && error.status === 404) monitorsKnown = true;
  }
}

function mount(view: View): void {
  current?.destroy();
  current = view;
  main.replaceChildren(view.element);
  document.title = view.title === "Hosts" ? "hostwatch" : `${view.title} · hostwatch`;
}

function show(moveFocus: boolean): void {
  if (signedOut) return;
  const route = parseRoute(window.location.hash);
  if (route.page === "host") mount(new HostPage(route.host, connection));
  else if (route.page === "monitors") mount(new MonitorsPage(connection));
  else mount(new OverviewPage(connection));
  const section = route.page === "monitors" ? "monitors" : "overview";
  for (const [page, link] of Object.entries(nav)) {
    if (page === section) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  void offerMonitors();
  // After a navigation, keyboard and screen-reader users start at the new page's heading.
  const heading = main.querySelector<HTMLElement>("h1");
  if (moveFocus && heading) {
    heading.tabIndex = -1;
    heading.focus();
  }
}

setAuthHandler(() => {
  if (signedOut) return;
  signedOut = true;
  connection.idle();
  for (const link of Object.values(nav)) link.hidden = true;
  mount(new LoginPrompt());
});

window.addEventListener("hashchange", () => show(true));
show(false);
