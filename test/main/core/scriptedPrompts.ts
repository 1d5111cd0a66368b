// A PromptHost for tests of main/core under Node: each prompt that opens is answered by the next scripted answerer
// for its kind (what a person would type), and every view shown is kept for assertions.
import type { PromptHost, PromptReply, PromptView, PromptWindow } from '../../../main/core/prompts.js';
import type { PromptKind } from '../../../main/core/wire.js';

export type Answerer = (view: PromptView, turn: number) => PromptReply | Promise<PromptReply>;

export class ScriptedPrompts implements PromptHost {
  readonly shown: Array<{ kind: PromptKind; view: PromptView }> = [];
  private readonly scripts = new Map<PromptKind, Answerer[]>();
  opened = 0;
  closed = 0;

  /** The next prompt of `kind` is answered by `answer` (called once per view it shows). */
  script(kind: PromptKind, answer: Answerer): this {
    const list = this.scripts.get(kind) ?? [];
    list.push(answer);
    this.scripts.set(kind, list);
    return this;
  }

  async open(kind: PromptKind): Promise<PromptWindow> {
    const answer = this.scripts.get(kind)?.shift();
    if (!answer) throw new Error(`no scripted answer for a ${kind} prompt`);
    this.opened++;
    let turn = 0;
    let isClosed = false;
    return {
      ask: async (view) => {
        if (isClosed) return { action: 'cancel' };
        this.shown.push({ kind, view });
        return answer(view, turn++);
      },
      close: () => {
        if (!isClosed) this.closed++;
        isClosed = true;
      },
    };
  }
}

export const submit = (values: Record<string, string> = {}): PromptReply => ({ action: 'submit', values });
export const cancel: PromptReply = { action: 'cancel' };
