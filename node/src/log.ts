import { emitWarning } from 'node:process';

import * as native from '../native/index.js';

/** How much a log record matters, most severe first. */
export type LogLevel = 'error' | 'warn' | 'info' | 'debug' | 'trace';

/** One record of the SDK's log stream (token renewals, retries, licence back-off, store trouble). Secrets are scrubbed by the core. */
export interface LogRecord {
  level: LogLevel;
  /** Where in the core it came from, e.g. `agenticstar::token::manager`. */
  module: string;
  message: string;
}

/** Receives log records, on the JS thread (never inside an SDK call). */
export type Logger = (record: LogRecord) => void;

/** Writes each record to stderr through `console` (what `AGENTICSTAR_LOG=debug` switches on). */
export const consoleLogger: Logger = (r) => {
  const line = `agenticstar ${r.level}: ${r.message}`;
  if (r.level === 'error') console.error(line);
  else if (r.level === 'warn') console.warn(line);
  else console.error(line);
};

/**
 * Send the SDK's records up to `level` (default `info`) to `logger`, e.g. `setLogger((r) =>
 * pino[r.level](r.message))`; `null` stops logging. Off by default, unless the `AGENTICSTAR_LOG`
 * environment variable names a level: then {@link consoleLogger} logs at it. The callback never
 * keeps the process alive.
 */
export function setLogger(logger: Logger | null, options: { level?: LogLevel } = {}): void {
  const forward =
    logger &&
    ((r: native.NativeLogRecord): void => {
      // A throw here would be a fatal exception on the native side: report it instead.
      try {
        logger(r as LogRecord);
      } catch (e) {
        emitWarning(`agenticstar: logger threw: ${String(e)}`);
      }
    });
  native.setLogCallback(forward, options.level ?? 'info');
}

const fromEnv = native.logLevelFromEnv();
if (fromEnv) setLogger(consoleLogger, { level: fromEnv as LogLevel });
