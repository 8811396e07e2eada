// Entry point: the header's link state, the router, and the switch to the login prompt on a 401.

import "./styles.css";

import { setAuthHandler } from "./api";
import { ConnectionIndicator } from "./connection";
import { HostPage } from "./host/page";
import { LoginPrompt } from "./login";
import { OverviewPage } from "./overview";
import { parseRoute, type View } from "./router";

const main = document.getElementById("main") as HTMLElement;
const connection = new ConnectionIndicator(
  document.getElementById("link") as HTMLElement,
  document.getElementById("banner") as HTMLElement,
);

let current: View | null = null;
let signedOut = false;

function mount(view: View): void {
  current?.destroy();
  current = view;
  main.replaceChildren(view.element);
  document.title = view.title === "Hosts" ? "hostwatch" : `${view.title} · hostwatch`;
}

function show(moveFocus: boolean): void {
  if (signedOut) return;
  const route = parseRoute(window.location.hash);
  mount(route.page === "host" ? new HostPage(route.host, connection) : new OverviewPage(connection));
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
  mount(new LoginPrompt());
});

window.addEventListener("hashchange", () => show(true));
show(false);
