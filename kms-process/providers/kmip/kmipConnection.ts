// One mutually authenticated TLS connection to a KMIP server (node:tls, TLS 1.2 or later, the server checked
// against the remote's CA and host name, our client certificate presented), carrying one request at a time:
// KMIP over TLS answers requests in order, each response one TTLV structure read by its length.
import { connect, type TLSSocket } from 'node:tls';
import { ttlvFrameLength } from './ttlv.js';

export interface KmipEndpoint {
  host: string;
  port: number;
  /** PEM: the CA (or CAs) that signed the server's certificate. */
  ca: string;
  /** PEM: our client certificate (chain) and its private key. */
  cert: string;
  key: string;
}

/** Largest response accepted (a Get of a 4096-bit key or a 64 KiB decrypt is far below). */
export const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

/** A failure of the connection itself (refused, reset, TLS, timeout), as opposed to an answer from the server. */
export class KmipTransportError extends Error {
  override readonly name = 'KmipTransportError';
  constructor(
    message: string,
    /** Whether the request may have reached the server (then only idempotent operations are retried). */
    readonly sent: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A plain description of a socket or TLS error: its code and OpenSSL's reason, never data. */
function describe(e: unknown): string {
  const err = e as { code?: unknown; reason?: unknown; message?: unknown };
  const code = typeof err.code === 'string' ? err.code : '';
  // Landlock refuses connect() with EACCES: the KMS's sandbox reaches only the endpoints known when it started.
  if (code === 'EACCES') return 'the KMS sandbox does not allow this endpoint yet: it allows the remotes known when the KMS started (restart the KMS)';
  const reason = typeof err.reason === 'string' ? err.reason : typeof err.message === 'string' ? err.message : '';
  return [code, reason.slice(0, 160)].filter(Boolean).join(': ') || 'connection failed';
}

export class KmipConnection {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private pending: { resolve: (b: Uint8Array) => void; reject: (e: Error) => void } | undefined;
  private failure: KmipTransportError | undefined;

  private constructor(private readonly socket: TLSSocket) {
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('error', (e) => this.fail(new KmipTransportError(`connection error: ${describe(e)}`, true, { cause: e })));
    socket.on('close', () => this.fail(new KmipTransportError('the server closed the connection', true)));
  }

  static open(endpoint: KmipEndpoint, timeoutMs: number): Promise<KmipConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({
        host: endpoint.host,
        port: endpoint.port,
        ca: endpoint.ca,
        cert: endpoint.cert,
        key: endpoint.key,
        minVersion: 'TLSv1.2',
        rejectUnauthorized: true,
        // The server's certificate must name the host we dialled (an IP literal is checked against its IP SANs).
        servername: /^[\d.]+$|:/.test(endpoint.host) ? undefined : endpoint.host,
      });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new KmipTransportError(`no TLS session with ${endpoint.host}:${endpoint.port} within ${timeoutMs} ms`, false));
      }, timeoutMs);
      const early = (e: Error) => {
        clearTimeout(timer);
        socket.destroy();
        reject(new KmipTransportError(`TLS connection to ${endpoint.host}:${endpoint.port} failed: ${describe(e)}`, false, { cause: e }));
      };
      socket.once('error', early);
      socket.once('secureConnect', () => {
        clearTimeout(timer);
        socket.off('error', early);
        resolve(new KmipConnection(socket));
      });
    });
  }

  get usable(): boolean {
    return !this.failure && !this.pending && !this.socket.destroyed;
  }

  /** Send one request and read its response; on a timeout the connection is closed (a late answer is unusable). */
  request(bytes: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.pending) return Promise.reject(new KmipTransportError('the connection is busy', false));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.fail(new KmipTransportError(`the server did not answer within ${timeoutMs} ms`, true));
      }, timeoutMs);
      this.pending = {
        resolve: (b) => {
          clearTimeout(timer);
          resolve(b);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.socket.write(bytes);
    });
  }

  private onData(d: Buffer): void {
    this.chunks.push(d);
    this.buffered += d.length;
    if (this.buffered < 8) return;
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    this.chunks = [all];
    const total = ttlvFrameLength(all.subarray(0, 8));
    if (total > MAX_RESPONSE_BYTES) return this.fail(new KmipTransportError(`the server sent ${total} bytes, more than ${MAX_RESPONSE_BYTES}`, true));
    if (this.buffered < total) return;
    if (!this.pending || this.buffered > total) return this.fail(new KmipTransportError('the server sent bytes nobody asked for', true));
    const p = this.pending;
    this.pending = undefined;
    this.chunks = [];
    this.buffered = 0;
    p.resolve(new Uint8Array(all.subarray(0, total)));
  }

  private fail(e: KmipTransportError): void {
    this.failure ??= e;
    this.socket.destroy();
    const p = this.pending;
    this.pending = undefined;
    p?.reject(this.failure);
  }

  close(): void {
    this.fail(new KmipTransportError('the connection was closed', false));
  }
}
