// Entry of the process that saves one skill for `save_skill`: the catalog's checks build a
// TypeScript program (seconds of CPU), which must not stall `serve`'s main thread and every
// session on it. It receives saveSkill's options, answers once and exits.
import { saveSkill, type SaveSkillOptions } from '@magsag/catalog';
import { toMagsagError } from '@magsag/core';

process.once('message', (options: SaveSkillOptions) => {
  let answer: unknown;
  try {
    const saved = saveSkill(options);
    answer = { ok: true, saved };
  } catch (error) {
    const e = toMagsagError(error);
    answer = { ok: false, error: { code: e.code, message: e.message, data: e.data } };
  }
  process.send!(answer, () => process.exit(0));
});
