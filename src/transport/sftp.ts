/**
 * File transfer over one SFTP session per connection. Each SFTP session holds one of the server's
 * MaxSessions slots for as long as it is open, so it is opened on first use, shared by every transfer, and
 * ended with the connection (leaking one per transfer is the classic "fails after exactly 10 copies" bug).
 */
import { RemoteCommandError } from '../errors.js';

/** The part of ssh2's SFTPWrapper drydock uses. */
export interface SftpSession {
  writeFile(path: string, data: Buffer | string, options: { mode?: number }, callback: (err?: Error | null) => void): void;
  readFile(path: string, callback: (err: Error | undefined, data: Buffer) => void): void;
  chmod(path: string, mode: number, callback: (err?: Error | null) => void): void;
  end(): unknown;
  once(event: 'close', listener: () => void): unknown;
}

export class SftpChannel {
  private session: Promise<SftpSession> | undefined;
  private ended = false;

  constructor(
    private readonly hostName: string,
    /** Opens a new SFTP session (with the connection's channel back-pressure handling). */
    private readonly open: () => Promise<SftpSession>,
  ) {}

  /** Writes `data` to `remotePath`; `mode` is applied even when the file already existed. */
  async put(remotePath: string, data: Buffer | string, mode?: number): Promise<void> {
    const sftp = await this.acquire();
    const what = `sftp put ${remotePath}`;
    await call(this.hostName, what, (done) => sftp.writeFile(remotePath, data, mode === undefined ? {} : { mode }, done));
    if (mode !== undefined) await call(this.hostName, what, (done) => sftp.chmod(remotePath, mode, done));
  }

  async get(remotePath: string): Promise<Buffer> {
    const sftp = await this.acquire();
    return new Promise((resolve, reject) =>
      sftp.readFile(remotePath, (err, data) =>
        err ? reject(transferError(this.hostName, `sftp get ${remotePath}`, err)) : resolve(data),
      ),
    );
  }

  async close(): Promise<void> {
    this.ended = true;
    const session = this.session;
    this.session = undefined;
    if (!session) return;
    try {
      (await session).end();
    } catch {
      // The session never opened; there is nothing to end.
    }
  }

  private acquire(): Promise<SftpSession> {
    if (this.ended) return Promise.reject(new Error(`${this.hostName}: the connection is closed`));
    if (!this.session) {
      const opening = this.open();
      this.session = opening;
      opening.then(
        (session) => session.once('close', () => {
          if (this.session === opening) this.session = undefined;
        }),
        () => {
          if (this.session === opening) this.session = undefined;
        },
      );
    }
    return this.session;
  }
}

function transferError(host: string, what: string, err: Error): RemoteCommandError {
  return new RemoteCommandError(host, what, null, null, err.message);
}

function call(host: string, what: string, run: (done: (err?: Error | null) => void) => void): Promise<void> {
  return new Promise((resolve, reject) => run((err) => (err ? reject(transferError(host, what, err)) : resolve())));
}
