// Every error kind of the protocol has words a person understands and a next step; the countdown and tries left
// appear where the error carries them; the banner renders them (React, rendered to markup without a browser).
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { ERROR_KINDS } from '../../kms-process/api/errors.js';
import { ErrorBanner } from '../../renderer/components/Feedback.js';
import { describeError, ERROR_WORDING } from '../../renderer/format/errorWording.js';

describe('error wording', () => {
  it('covers every kind with a title and a next step, each a sentence, none repeating another', () => {
    expect(Object.keys(ERROR_WORDING).sort()).toEqual([...ERROR_KINDS].sort());
    for (const kind of ERROR_KINDS) {
      const w = ERROR_WORDING[kind];
      expect(w.title, kind).toMatch(/^[A-Z"].*\.$/);
      expect(w.next, kind).toMatch(/^[A-Z"].*\.$/);
      expect(w.title, kind).not.toContain(kind);
    }
    expect(new Set(ERROR_KINDS.map((k) => ERROR_WORDING[k].title)).size).toBe(ERROR_KINDS.length);
  });

  it('the wordings a user meets most, as the issue asks', () => {
    expect(describeError({ kind: 'TOKEN_ERROR', message: 'CKR_DEVICE_REMOVED' })).toEqual({
      title: 'The security token did not answer.',
      next: 'Is the token plugged in? Reconnect it and try again.',
      detail: 'CKR_DEVICE_REMOVED',
    });
    expect(describeError({ kind: 'LOCKED_OUT', message: 'x', retryAfterMs: 125_000 }).next).toBe('Try again in 2 min 5 s.');
    expect(describeError({ kind: 'LOCKED_OUT', message: 'x', retryAfterMs: 125_000 }, 4_200).next).toBe('Try again in 5 s.');
    expect(describeError({ kind: 'LOCKED_OUT', message: 'x', retryAfterMs: 1000 }, 0).next).toBe('You can try again now.');
    expect(describeError({ kind: 'WRONG_SECRET', message: 'x', attemptsLeft: 1 }).next).toMatch(/^1 try left\./);
    expect(describeError({ kind: 'WRONG_SECRET', message: 'x', attemptsLeft: 3 }).next).toMatch(/^3 tries left\./);
    expect(describeError({ kind: 'APPROVAL_DENIED', message: 'declined' }).title).toBe('You declined this in the approval window.');
  });

  it('an unknown kind reads as an internal error; the KMS message is shown only where it helps', () => {
    expect(describeError({ kind: 'SOMETHING_NEW', message: 'm' }).title).toBe(ERROR_WORDING.INTERNAL.title);
    expect(describeError({ kind: 'LOCKED', message: 'keystore is locked' }).detail).toBe('');
    expect(describeError({ kind: 'POLICY_DENIED', message: "this key's policy does not allow 'sign'" }).detail).toContain("'sign'");
    // BUSY says why: too many calls, or another trusted window still waiting for the user.
    expect(describeError({ kind: 'BUSY', message: 'another OpenWallet window is waiting for you: finish or cancel it first' }).detail).toMatch(/^another OpenWallet window/);
  });

  it('the banner is an alert with the words, the next step, the detail and the kind', () => {
    const html = renderToStaticMarkup(createElement(ErrorBanner, { error: { kind: 'TOKEN_ERROR', message: 'slot 0 gone' } }));
    expect(html).toContain('role="alert"');
    expect(html).toContain('The security token did not answer.');
    expect(html).toContain('Is the token plugged in?');
    expect(html).toContain('Details: slot 0 gone');
    expect(html).toContain('(TOKEN_ERROR)');
    const lockedOut = renderToStaticMarkup(createElement(ErrorBanner, { error: { kind: 'LOCKED_OUT', message: 'x', retryAfterMs: 30_000, at: Date.now() } }));
    expect(lockedOut).toMatch(/Try again in (29|30) s\./);
  });
});
