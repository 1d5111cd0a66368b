// Entry of the trusted prompt pages: renders the prompt whose bridge this window's preload exposed, in the theme the
// OS prefers (prompts keep no settings of their own).
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ApprovalPrompt } from './ApprovalPrompt.js';
import { ImportPrompt, RestorePrompt } from './MaterialPrompts.js';
import { MnemonicPrompt } from './MnemonicPrompt.js';
import type { PromptGlobals } from './promptApi.js';
import { BackupPrompt } from './BackupPrompt.js';
import { CreatePrompt, PinPrompt, UnlockPrompt } from './SecretPrompts.js';

document.documentElement.dataset.theme = 'system';
const g = window as unknown as PromptGlobals;
const prompt = g.unlockPrompt ? <UnlockPrompt api={g.unlockPrompt} />
  : g.createPrompt ? <CreatePrompt api={g.createPrompt} />
  : g.pinPrompt ? <PinPrompt api={g.pinPrompt} />
  : g.approvalPrompt ? <ApprovalPrompt api={g.approvalPrompt} />
  : g.mnemonicPrompt ? <MnemonicPrompt api={g.mnemonicPrompt} />
  : g.restorePrompt ? <RestorePrompt api={g.restorePrompt} />
  : g.importPrompt ? <ImportPrompt api={g.importPrompt} />
  : g.backupPrompt ? <BackupPrompt api={g.backupPrompt} />
  : <p className="error">This window has no prompt.</p>;

createRoot(document.getElementById('root')!).render(<StrictMode><main>{prompt}</main></StrictMode>);
