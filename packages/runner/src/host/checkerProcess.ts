// Entry of the type-checker process: keeps the TypeScript language service warm, off the host's
// main thread, and checks one program at a time (see checkerProtocol.ts).
import { toMagsagError } from '@magsag/core';
import type { CheckRequest, CheckResponse } from './checkerProtocol.ts';
import { sharedTypeChecker } from './typecheck.ts';

process.on('message', (request: CheckRequest) => {
  let response: CheckResponse;
  try {
    response = { id: request.id, diagnostics: sharedTypeChecker(request.roots).check(request.source, request.filename) };
  } catch (error) {
    const e = toMagsagError(error, 'INTERNAL');
    response = { id: request.id, error: { code: e.code, message: e.message, ...(e.data === undefined ? {} : { data: e.data }) } };
  }
  process.send?.(response);
});
process.on('disconnect', () => process.exit(0));
