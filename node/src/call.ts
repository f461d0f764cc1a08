// Internal: calls into the native module with its errors rebuilt as typed classes.
import { AgenticStarError, errorClasses, type ErrorFields, type ErrorKind } from './errors.js';

/** Turn whatever the native module threw into a typed error. */
export function fromNative(e: unknown): Error {
  if (e instanceof AgenticStarError || !(e instanceof Error)) return e as Error;
  const msg = e.message;
  if (msg.startsWith('{')) {
    try {
      const f = JSON.parse(msg) as ErrorFields;
      const cls = errorClasses[f.kind];
      if (cls) return withStack(new cls(f), e);
    } catch {
      // not ours: fall through
    }
  }
  // napi's own argument checks (a wrong type slipped past TypeScript) vs. anything else (panics).
  const code = (e as { code?: unknown }).code;
  const kind: ErrorKind = typeof code === 'string' && /Arg|Expected/.test(code) ? 'config' : 'internal';
  return withStack(new errorClasses[kind]({ kind, message: msg }), e);
}

function withStack(err: AgenticStarError, cause: Error): AgenticStarError {
  // The native error's stack is where the promise was created: more useful than ours.
  if (cause.stack) err.stack = `${err.name}: ${err.message}\n${cause.stack.split('\n').slice(1).join('\n')}`;
  return err;
}

/** Await a native promise, rethrowing typed errors. */
export async function call<T>(p: () => Promise<T>): Promise<T> {
  try {
    return await p();
  } catch (e) {
    throw fromNative(e);
  }
}

/** Run a sync native call, rethrowing typed errors. */
export function callSync<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw fromNative(e);
  }
}
