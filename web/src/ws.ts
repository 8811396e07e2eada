// A WebSocket that reconnects with back-off, and notices a silent hub.

import { Backoff } from "./backoff";
import type { LinkState } from "./connection";

export interface LiveSocketOptions {
  /** Path and query of the stream, e.g. `/ws?host=1`. */
  path: string;
  onMessage: (text: string) => void;
  onState: (state: LinkState) => void;
  /** Called after each lost connection; resolves false to stop retrying (e.g. the token is gone). */
  shouldRetry: () => Promise<boolean>;
  /** Reconnect when nothing arrives for this long (a hub that hangs keeps its sockets open). */
  silenceMs: () => number;
}

/** Words for why a socket closed: the hub's own reason, else what the standard code means. */
function closeReason(event: CloseEvent): string {
  if (event.reason) return event.reason;
  switch (event.code) {
    case 1001:
      return "the hub went away";
    case 1012:
      return "the hub is restarting";
    case 1006:
      return "connection lost";
    default:
      return `closed with code ${event.code}`;
  }
}

export class LiveSocket {
  private socket: WebSocket | null = null;
  private retryTimer: number | undefined;
  private silenceTimer: number | undefined;
  private readonly backoff = new Backoff();
  private stopped = false;

  constructor(private readonly options: LiveSocketOptions) {}

  start(): void {
    this.stopped = false;
    this.connect();
  }

  /** Closes the socket for good: no more messages, no more retries. */
  stop(): void {
    this.stopped = true;
    window.clearTimeout(this.retryTimer);
    window.clearTimeout(this.silenceTimer);
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
      socket.close();
    }
  }

  private connect(): void {
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${window.location.host}${this.options.path}`);
    this.socket = socket;
    this.options.onState({ kind: "connecting" });
    socket.onmessage = (event: MessageEvent<string>) => {
      this.backoff.reset();
      this.options.onState({ kind: "live" });
      this.watchSilence();
      this.options.onMessage(event.data);
    };
    socket.onopen = () => this.watchSilence();
    socket.onclose = (event: CloseEvent) => this.lost(closeReason(event));
  }

  private watchSilence(): void {
    window.clearTimeout(this.silenceTimer);
    this.silenceTimer = window.setTimeout(() => this.socket?.close(4000, "no data from the hub"), this.options.silenceMs());
  }

  private lost(reason: string): void {
    window.clearTimeout(this.silenceTimer);
    const socket = this.socket;
    if (socket) socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
    this.socket = null;
    if (this.stopped) return;
    const delay = this.backoff.next();
    this.options.onState({ kind: "down", retryAt: Date.now() + delay, reason });
    this.retryTimer = window.setTimeout(() => {
      void this.options.shouldRetry().then((retry) => {
        if (retry && !this.stopped) this.connect();
      });
    }, delay);
  }
}
