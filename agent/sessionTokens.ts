// Session tokens: what an owkms client shows to get `cli` rights over the agent. Random 256-bit values, kept as
// SHA-256 digests and compared in constant time; all of them die with the agent or when it is told to forget them.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export class SessionTokens {
  private readonly digests: Buffer[] = [];

  issue(): string {
    const token = randomBytes(32).toString('base64url');
    this.digests.push(createHash('sha256').update(token).digest());
    return token;
  }

  valid(token: unknown): boolean {
    if (typeof token !== 'string' || token.length === 0 || token.length > 256) return false;
    const d = createHash('sha256').update(token).digest();
    let ok = false;
    for (const known of this.digests) ok = timingSafeEqual(known, d) || ok; // no early exit
    return ok;
  }

  revokeAll(): void {
    this.digests.length = 0;
  }
}
