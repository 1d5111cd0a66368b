// Which frames may use the wallet bridge: only the top-level frame of a main-owned window showing the app's own
// origin. The URL is parsed (WHATWG URL), never compared as a string prefix, so `app://wallet.evil`,
// `app://wallet@evil` or `https://evil/app://wallet/` do not pass.

export interface SenderInfo {
  /** A stable id of the sending window (Electron: webContents.id); rate limits are kept per sender. */
  id: string;
  /** The URL of the frame that sent the message, as the browser reports it (undefined when the frame is gone). */
  frameUrl: string | undefined;
  /** Whether that frame is its window's top-level frame. */
  isMainFrame: boolean;
}

/** The origin of a URL, or undefined for what has none (opaque origins: data:, about:blank, blob: of those). */
export function originOf(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  if (u.username !== '' || u.password !== '') return undefined;
  // `app:` is registered as a standard scheme in Electron, so its URLs have a host; Node's parser agrees for
  // app://wallet/... (hostname 'wallet'). Build the origin from its parts: URL.origin is 'null' for custom schemes.
  if (u.host === '') return undefined;
  return `${u.protocol}//${u.host}`;
}

/** Why this sender may not call, or undefined when it may. */
export function senderRefusal(sender: SenderInfo, appOrigin: string): string | undefined {
  if (!sender.isMainFrame) return 'calls from a sub-frame are refused';
  const origin = originOf(sender.frameUrl);
  if (origin === undefined || origin !== appOrigin) return 'calls from another origin are refused';
  return undefined;
}
