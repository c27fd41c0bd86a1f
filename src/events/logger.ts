/**
 * The one module that imports winston: a JSON-lines file log. Each record is
 * `{"event":{...},"level":"info","message":"<event type>","runId":"...","timestamp":"..."}`.
 * Closing waits for the file transport to flush; callers must never `process.exit()` before that (winston
 * loses buffered lines on exit, winstonjs/winston#228).
 */
import winston from 'winston';

export interface JsonLinesLog {
  write(message: string, record: Record<string, unknown>): void;
  /** Resolves once every line is on disk (or the transport failed; the error is then returned). */
  close(): Promise<Error | undefined>;
}

export function openJsonLinesLog(file: string, defaultMeta: Record<string, unknown> = {}): JsonLinesLog {
  // The log holds task output and registered values: created readable by its owner only (an existing file
  // keeps its mode). winston hands `options` to fs.createWriteStream.
  const transport = new winston.transports.File({ filename: file, options: { flags: 'a', mode: 0o600 } });
  const logger = winston.createLogger({
    level: 'info',
    defaultMeta,
    format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
    transports: [transport],
  });
  let failure: Error | undefined;
  // Without a listener winston's 'error' would crash the run over a log problem.
  logger.on('error', (err: Error) => (failure ??= err));
  transport.on('error', (err: Error) => (failure ??= err));
  return {
    write(message, record) {
      logger.info(message, record);
    },
    close() {
      return new Promise((resolve) => {
        const finish = (): void => resolve(failure);
        transport.once('finish', finish);
        transport.once('error', finish);
        logger.end();
      });
    },
  };
}
