import * as native from '../native/index.js';
import { call } from './call.js';

/** @internal Run a native call that an AbortSignal can cancel; an abort rejects with `signal.reason`. */
export function withCancel<T>(signal: AbortSignal | undefined, run: (c: native.NativeCancel | undefined) => Promise<T>): Promise<T> {
  if (!signal) return call(() => run(undefined));
  signal.throwIfAborted();
  const cancel = new native.NativeCancel();
  const onAbort = (): void => cancel.cancel();
  signal.addEventListener('abort', onAbort, { once: true });
  return call(() => run(cancel))
    .catch((e: unknown) => {
      // The native call settled early because of the abort: report it the platform's way.
      throw signal.aborted ? signal.reason : e;
    })
    .finally(() => signal.removeEventListener('abort', onAbort));
}
