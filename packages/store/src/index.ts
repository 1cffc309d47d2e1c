export { openStore, storeUrlEnv } from './open.ts';
export type { OpenStoreOptions, Store } from './open.ts';
export { statementOperation, type StatementObserver } from './observe.ts';
export { assertRunIds, runIdPattern } from './runRecords.ts';
export type { RunOwner, RunRecordStore, RunStatus, StoredRunRecord } from './runRecords.ts';
export { LocalRunRecords } from './local/runRecords.ts';
export { schemaVersion } from './postgres/migrations.ts';
export { assertSkillFiles, assertSkillName, type SkillStore, type StoredSkill } from './skills.ts';
