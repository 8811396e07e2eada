// Exponential back-off with jitter for reconnecting to a hub that went away.

export class Backoff {
  private attempt = 0;

  constructor(
    private readonly firstMs = 500,
    private readonly maxMs = 5000,
  ) {}

  /** The wait before the next try: doubling from `firstMs` up to `maxMs`, ±20 % so clients spread out. */
  next(): number {
    const base = Math.min(this.firstMs * 2 ** this.attempt, this.maxMs);
    this.attempt += 1;
    return Math.round(base * (0.8 + Math.random() * 0.4));
  }

  /** Back to the first, short wait after a success. */
  reset(): void {
    this.attempt = 0;
  }
}
