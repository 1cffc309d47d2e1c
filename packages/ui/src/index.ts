export { startUi, uiCookie, uiHost, webAssetsDir } from './server.ts';
export type { StartUiOptions, UiServer } from './server.ts';
export type { UiDeps, UiDiagnostic, UiGuardVerdict, UiSearchHit, UiSkill, UiTool } from './deps.ts';
export { benchFiles, readBench } from './bench.ts';
export { countTokens } from './tokens.ts';
