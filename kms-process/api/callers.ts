// Who may call the KMS. Callers are named by the transport or the broker, never by the request (DESIGN.md
// section 1): `ui` the renderer through the broker, `app` main itself (trusted prompts), `cli` owkms, `test`,
// `rest` owkms serve, `pkcs11` the PKCS#11 module through the local agent (agent/). Kept apart from the schemas so
// the channel can check it without loading them.
export const CALLERS = ['ui', 'app', 'cli', 'test', 'rest', 'pkcs11'] as const;
export type Caller = (typeof CALLERS)[number];
