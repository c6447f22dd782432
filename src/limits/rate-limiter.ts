import type { Clock } from '../ids/clock.ts';
import type { Principal } from '../tenancy/principal.ts';
import { type Charge, type LimitState, stateAfter } from './gcra.ts';
import type { ProjectLimits } from './project-limits.ts';
import type { LimitKind, RateLimitRepository } from './rate-limit.repository.ts';

/**
 * Requests and inference tokens per minute, per API key, at the limits of the
 * key's project. A caller without a key (a server that has none) is never
 * limited; a request with no limit in force costs no query.
 */
export class RateLimiter {
  constructor(
    private readonly repo: RateLimitRepository,
    private readonly limits: ProjectLimits,
    private readonly clock: Clock,
  ) {}

  /** Counts one request; the state says whether it may go on (`retryAfterMs` null). Null: no limit applies. */
  async takeRequest(caller: Principal): Promise<LimitState | null> {
    return this.take(caller, 'requests', { cost: 1, need: 1 });
  }

  /** Before generating: refused only when the key has no token left this minute. Takes nothing yet. */
  async checkTokens(caller: Principal): Promise<LimitState | null> {
    return this.take(caller, 'tokens', { cost: 0, need: 1 });
  }

  /** After generating: charges the tokens used (prompt and completion), even past the limit. */
  async chargeTokens(caller: Principal, tokens: number): Promise<void> {
    if (tokens > 0) await this.take(caller, 'tokens', { cost: tokens, need: 0 });
  }

  private async take(caller: Principal, kind: LimitKind, charge: Charge): Promise<LimitState | null> {
    if (caller.keyId === null) return null;
    const limits = await this.limits.of(caller.projectId);
    const perMinute = kind === 'requests' ? limits.requestsPerMinute : limits.tokensPerMinute;
    if (perMinute <= 0) return null;
    const nowUs = this.clock.nowMs() * 1000;
    const row = await this.repo.take(caller.keyId, kind, perMinute, charge, nowUs);
    return stateAfter(perMinute, charge, row, nowUs);
  }
}
