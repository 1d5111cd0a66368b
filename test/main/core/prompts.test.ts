import { describe, expect, it } from 'vitest';
import { checkPromptValues, PromptSession } from '../../../main/core/prompts.js';

describe('a prompt session between main and its page', () => {
  it('main asks, the page answers and gets the next view, then done', async () => {
    const s = new PromptSession(['passphrase']);
    const viewP = s.currentView();
    const first = s.ask({ step: 1 });
    expect(await viewP).toEqual({ step: 1 });
    const next = s.submit({ passphrase: 'x' });
    expect(await first).toEqual({ action: 'submit', values: { passphrase: 'x' } });
    const second = s.ask({ step: 1, error: 'Wrong passphrase.' });
    expect(await next).toEqual({ step: 1, error: 'Wrong passphrase.' });
    const done = s.cancel();
    expect(await second).toEqual({ action: 'cancel' });
    s.close();
    expect(await done).toEqual({ done: true });
    expect(await s.ask({})).toEqual({ action: 'cancel' });
  });

  it('values other than the prompt own short strings are not an answer', async () => {
    const s = new PromptSession(['pin']);
    const asked = s.ask({});
    expect(await s.submit({ pin: 'x', passphrase: 'y' })).toEqual({});
    expect(await s.submit({ pin: 1 })).toEqual({});
    expect(await s.submit({ pin: 'x'.repeat(2000) })).toEqual({});
    void s.submit({ pin: '1234' });
    expect(await asked).toEqual({ action: 'submit', values: { pin: '1234' } });
    expect(checkPromptValues([], ['pin'])).toBeUndefined();
    expect(checkPromptValues(null, ['pin'])).toBeUndefined();
  });
});
