// Periodic GETs that back off while the hub is unreachable.

import { AuthRequired, isAbort } from "./api";
import { Backoff } from "./backoff";
import type { LinkState } from "./connection";

export interface PollerOptions<T> {
  fetch: (signal: AbortSignal) => Promise<T>;
  onData: (data: T) => void;
  onState: (state: LinkState) => void;
  /** Milliseconds until the next poll after a success (it may depend on the data). */
  intervalMs: () => number;
}

export class Poller<T> {
  private timer: number | undefined;
  private controller: AbortController | null = null;
  private readonly backoff = new Backoff();
  private stopped = true;

  constructor(private readonly options: PollerOptions<T>) {}

  start(): void {
    this.stopped = false;
    void this.poll();
  }

  stop(): void {
    this.stopped = true;
    window.clearTimeout(this.timer);
    this.controller?.abort();
    this.controller = null;
  }

  private async poll(): Promise<void> {
    const controller = new AbortController();
    this.controller = controller;
    let delay: number;
    try {
      const data = await this.options.fetch(controller.signal);
      if (this.stopped) return;
      this.backoff.reset();
      this.options.onState({ kind: "live" });
      this.options.onData(data);
      delay = this.options.intervalMs();
    } catch (error) {
      // A missing token stops polling: the login prompt takes over the page.
      if (this.stopped || isAbort(error) || error instanceof AuthRequired) return;
      delay = this.backoff.next();
      const reason = error instanceof Error ? error.message : String(error);
      this.options.onState({ kind: "down", retryAt: Date.now() + delay, reason: shortReason(reason) });
    }
    this.timer = window.setTimeout(() => void this.poll(), delay);
  }
}

function shortReason(message: string): string {
  return message.startsWith("hostwatch is unreachable") ? "hub unreachable" : message;
}
