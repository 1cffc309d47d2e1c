export { errorCodes, isErrorCode } from './errorCodes.ts';
export type { ErrorCode } from './errorCodes.ts';
export { MagsagError, isMagsagError, toMagsagError } from './errors.ts';
export type { MagsagErrorOptions } from './errors.ts';
export type { RunContext } from './context.ts';
export { silentLogger } from './logger.ts';
export type { Logger } from './logger.ts';
export { version } from './version.ts';
