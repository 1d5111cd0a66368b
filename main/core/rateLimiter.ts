// Per-sender token bucket plus a cap on calls in flight: a renderer that floods main gets BUSY at once, and the
// memory main spends on one sender stays bounded whatever it sends.
export interface RateLimit {
  /** Calls a sender may make at once after being quiet. */
  burst: number;
  /** Calls per second a sender earns back. */
  perSecond: number;
  /** Calls of one sender waiting for the KMS (or a prompt) at the same time. */
  maxInflight: number;
}

export const DEFAULT_RATE_LIMIT: RateLimit = { burst: 400, perSecond: 200, maxInflight: 64 };

interface Bucket {
  tokens: number;
  at: number;
  inflight: number;
}

/** Most senders tracked; a sender is a window, so this only bounds a pathological churn of them. */
const MAX_SENDERS = 256;

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly limit: RateLimit = DEFAULT_RATE_LIMIT,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** 'ok' reserves an in-flight slot, to be given back with release(); otherwise why the call is refused. */
  acquire(sender: string): 'ok' | 'rate' | 'inflight' {
    const t = this.now();
    let b = this.buckets.get(sender);
    if (!b) {
      if (this.buckets.size >= MAX_SENDERS) this.evictIdle();
      b = { tokens: this.limit.burst, at: t, inflight: 0 };
      this.buckets.set(sender, b);
    }
    b.tokens = Math.min(this.limit.burst, b.tokens + ((t - b.at) / 1000) * this.limit.perSecond);
    b.at = t;
    if (b.inflight >= this.limit.maxInflight) return 'inflight';
    if (b.tokens < 1) return 'rate';
    b.tokens -= 1;
    b.inflight++;
    return 'ok';
  }

  release(sender: string): void {
    const b = this.buckets.get(sender);
    if (b && b.inflight > 0) b.inflight--;
  }

  inflight(sender: string): number {
    return this.buckets.get(sender)?.inflight ?? 0;
  }

  private evictIdle(): void {
    for (const [k, b] of this.buckets) if (b.inflight === 0) this.buckets.delete(k);
  }
}
