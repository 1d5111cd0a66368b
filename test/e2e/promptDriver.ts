// Answers every trusted prompt that opens with one fixed choice, for tests where the renderer attacks and no
// person is there to approve: approvals denied, secret prompts cancelled.
import type { ChromiumShell } from '../../main/chromium/chromiumShell.js';

export function autoDecline(shell: ChromiumShell): { stop(): void; count(): number } {
  let running = true;
  let count = 0;
  void (async () => {
    while (running) {
      let opened;
      try {
        opened = await shell.prompts.next(1000);
      } catch {
        continue; // none opened within a second: look again
      }
      count++;
      const name = opened.kind === 'approval' ? 'Deny' : 'Cancel';
      await opened.page.getByRole('button', { name }).click().catch(() => undefined);
    }
  })();
  return { stop: () => (running = false), count: () => count };
}
