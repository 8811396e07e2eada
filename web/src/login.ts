// The prompt shown when the hub answers 401: paste the token, and the hub's
// `/?token=` visit turns it into an HttpOnly cookie and comes back here.

import { h } from "./dom";
import type { View } from "./router";

/** Where the browser goes to trade a token for the cookie, keeping the page it was on. */
export function tokenUrl(token: string, hash: string): string {
  return `/?token=${encodeURIComponent(token)}${hash}`;
}

export class LoginPrompt implements View {
  readonly element: HTMLElement;
  readonly title = "Sign in";

  constructor() {
    const input = h("input", {
      id: "token-input",
      name: "token",
      type: "password",
      autocomplete: "current-password",
      required: true,
    });
    const form = h(
      "form",
      {
        class: "login",
        "aria-labelledby": "login-title",
        onSubmit: (event: Event) => {
          event.preventDefault();
          const token = input.value.trim();
          if (token) window.location.assign(tokenUrl(token, window.location.hash));
        },
      },
      h("h1", { id: "login-title" }, "Sign in"),
      h("p", null, "This hostwatch needs its access token. Paste the token it was started with (", h("code", null, "hostwatch serve --token"), ")."),
      h("label", { for: "token-input" }, "Access token"),
      input,
      h("button", { type: "submit" }, "Open dashboard"),
    );
    this.element = h("section", { class: "login-wrap" }, form);
    queueMicrotask(() => input.focus());
  }

  destroy(): void {
    // Nothing runs in the background while the prompt shows.
  }
}
