// Approval of guarded operations: one trusted prompt at a time, first come first asked, a bounded queue (a
// renderer cannot stack prompts without end: past the bound it gets BUSY) and a time limit after which the
// request counts as declined.
import { KmsError } from '../../kms-process/api/errors.js';
import type { ApprovalView } from './approvalView.js';
import type { PromptHost } from './prompts.js';

export interface ApprovalOptions {
  maxQueued: number;
  timeoutMs: number;
}

export const DEFAULT_APPROVAL_OPTIONS: ApprovalOptions = { maxQueued: 8, timeoutMs: 120_000 };

interface Waiting {
  view: ApprovalView;
  resolve: (approved: boolean) => void;
}

export class ApprovalQueue {
  private readonly queue: Waiting[] = [];
  private running = false;

  constructor(
    private readonly prompts: PromptHost,
    private readonly options: ApprovalOptions = DEFAULT_APPROVAL_OPTIONS,
  ) {}

  get pending(): number {
    return this.queue.length + (this.running ? 1 : 0);
  }

  /** Resolves true only when the user approved this exact view in the trusted prompt. */
  request(view: ApprovalView): Promise<boolean> {
    if (this.pending >= this.options.maxQueued) {
      return Promise.reject(new KmsError('BUSY', 'too many approvals are waiting'));
    }
    return new Promise((resolve) => {
      this.queue.push({ view, resolve });
      void this.next();
    });
  }

  private async next(): Promise<void> {
    if (this.running) return;
    const item = this.queue.shift();
    if (!item) return;
    this.running = true;
    let approved = false;
    try {
      const window = await this.prompts.open('approval');
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), this.options.timeoutMs)));
      try {
        const reply = await Promise.race([window.ask({ ...item.view }), timedOut]);
        approved = reply !== 'timeout' && reply.action === 'submit';
      } finally {
        clearTimeout(timer);
        window.close();
      }
    } catch {
      approved = false; // a prompt that could not open approves nothing
    } finally {
      this.running = false;
      item.resolve(approved);
      void this.next();
    }
  }
}
