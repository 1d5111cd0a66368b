// The outbox never lets a port's failure escape (issue 9): its flush runs in an Immediate, where a throw would be an
// uncaught exception. A refused batch is retried message by message, so only the message that cannot go fails.
import { describe, expect, it } from 'vitest';
import { MAX_COALESCED, Outbox, type Port } from '../../../kms-process/api/index.js';
import { ChannelClient } from '../../../kms-process/client/channelClient.js';

function port(send: (m: object) => void): Port {
  return { coalesce: true, send, onMessage: () => {}, onClose: () => {}, close: () => {} };
}

describe('Outbox', () => {
  it('reports a message the port refuses instead of throwing, from the Immediate flush and the full-batch flush', async () => {
    const failed: object[] = [];
    const sent: object[] = [];
    const refuses = (m: object) => {
      const items = Array.isArray(m) ? m : [m];
      if (items.some((x: { bad?: boolean }) => x.bad)) throw new TypeError('Do not know how to serialize a BigInt');
      sent.push(...items);
    };
    const box = new Outbox(port(refuses), true, { onFailure: (messages) => failed.push(...messages) });
    box.send({ id: 1 });
    box.send({ id: 2, bad: true });
    box.send({ id: 3 });
    await new Promise((r) => setImmediate(r));
    expect(failed).toEqual([{ id: 2, bad: true }]);
    expect(sent).toEqual([{ id: 1 }, { id: 3 }]);

    failed.length = 0;
    sent.length = 0;
    for (let i = 0; i < MAX_COALESCED - 1; i++) box.send({ id: 100 + i });
    expect(() => box.send({ id: 99, bad: true })).not.toThrow(); // the 256th message flushes synchronously
    expect(failed).toEqual([{ id: 99, bad: true }]);
    expect(sent).toHaveLength(MAX_COALESCED - 1);
  });

  it('does the same without coalescing (stdio), where send writes at once', () => {
    const failed: object[] = [];
    const box = new Outbox(port(() => { throw new Error('gone'); }), false, { onFailure: (messages) => failed.push(...messages) });
    expect(() => box.send({ id: 7 })).not.toThrow();
    expect(failed).toEqual([{ id: 7 }]);
  });
});

describe('ChannelClient over a port that refuses a message', () => {
  it('rejects that call with a typed error, at once, and the others go', async () => {
    const sent: unknown[] = [];
    // Like the fork channel: each write encodes its message as JSON, which a BigInt cannot be.
    const client = new ChannelClient(port((m) => sent.push(JSON.parse(JSON.stringify(m)))), 50);
    const bad = client.callUnchecked('crypto.random', { length: 10n }).catch((e: unknown) => e as { kind?: string });
    const good = client.callUnchecked('crypto.random', { length: 10 });
    expect(await bad).toMatchObject({ kind: 'INVALID_REQUEST' });
    await new Promise((r) => setImmediate(r));
    expect(sent).toEqual([expect.objectContaining({ method: 'crypto.random', params: { length: 10 } })]);
    expect(await good.catch((e: unknown) => (e as { kind?: string }).kind)).toBe('TIMEOUT'); // nobody answers here
  });
});
