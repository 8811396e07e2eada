// The link to the hub as the user sees it: a pill in the header and, while the
// hub cannot be reached, a banner saying so and when the next try is.

import { setText } from "./dom";

export type LinkState =
  | { kind: "connecting" }
  | { kind: "live" }
  | { kind: "down"; retryAt: number; reason: string };

export class ConnectionIndicator {
  private state: LinkState = { kind: "connecting" };
  private ticker: number | undefined;

  constructor(
    private readonly pill: HTMLElement,
    private readonly banner: HTMLElement,
  ) {
    this.render();
  }

  /** The current state of whichever live source the page uses. */
  set(state: LinkState): void {
    this.state = state;
    this.render();
    if (state.kind === "down" && this.ticker === undefined) {
      this.ticker = window.setInterval(() => this.render(), 1000);
    } else if (state.kind !== "down" && this.ticker !== undefined) {
      window.clearInterval(this.ticker);
      this.ticker = undefined;
    }
  }

  /** Hides both while no page is live (the login prompt). */
  idle(): void {
    this.set({ kind: "connecting" });
    this.pill.hidden = true;
  }

  private render(): void {
    const state = this.state;
    this.pill.hidden = false;
    this.pill.dataset.state = state.kind;
    document.body.classList.toggle("disconnected", state.kind === "down");
    if (state.kind === "live") {
      setText(this.pill, "live");
      this.banner.hidden = true;
    } else if (state.kind === "connecting") {
      setText(this.pill, "connecting…");
      this.banner.hidden = true;
    } else {
      const seconds = Math.max(Math.ceil((state.retryAt - Date.now()) / 1000), 0);
      setText(this.pill, "disconnected");
      const retry = seconds > 0 ? `retrying in ${seconds} s` : "retrying now";
      setText(this.banner, `Disconnected from hostwatch (${state.reason}); ${retry}. Figures shown are stale.`);
      this.banner.hidden = false;
    }
  }
}
