import { builtEntryFile, watchThreadFailure } from '@magsag/core';
import Tinypool from 'tinypool';
import type { PiiVault } from '../vault/vault.ts';
import type { DetectReply, DetectTask, VaultDelta } from './detectThread.ts';
import type { Detector } from './detector.ts';
import type { Spans } from './find.ts';
import { TokenList } from './structure.ts';

/**
 * Texts at least this long are searched on the detection thread, so that a large tool result
 * (13 MB of CRM JSON takes ~0.3 s) does not hold the host's main thread, where every other
 * client's requests and every other run's tool calls are served. Shorter texts cost less than the
 * trip to the thread and back (copying the text and the spans).
 */
export const offThreadMinChars = 256 * 1024;

let pool: Tinypool | null | undefined;
let watch: ReturnType<typeof watchThreadFailure> | undefined;

// One thread: it holds a copy of each vault's values, which one thread can keep in step with the
// vault by appending; large results are rare enough that they may queue for it.
function thread(): Tinypool | null {
  if (pool === undefined) {
    const file = builtEntryFile(import.meta.url, 'detectThread');
    // Built JavaScript needs none of the caller's loader flags (`--import tsx`, source conditions).
    pool = file === null ? null : new Tinypool({ filename: file, minThreads: 0, maxThreads: 1, idleTimeout: 60_000, execArgv: [] });
    // A thread that fails to start (a broken install) leaves its task pending forever: the task is
    // given up and the thread not used again, so detection stays inline.
    watch = pool === null ? undefined : watchThreadFailure(pool);
  }
  return watch?.broken ? null : pool;
}

/** Ends the detection thread (it ends by itself after a minute idle). */
export async function closeDetectionThread(): Promise<void> {
  const tinypool = pool;
  pool = undefined;
  if (tinypool) await tinypool.destroy();
}

/** What the thread was sent of each vault: the key it knows it by, the generation and how many values. */
interface Sent {
  key: number;
  generation: number;
  size: number;
}
const sent = new WeakMap<PiiVault, Sent>();
// Keys are never reused, so a thread's copy cannot be mistaken for another vault's.
let nextKey = 1;

function deltaOf(vault: PiiVault, whole: boolean): VaultDelta {
  let record = sent.get(vault);
  if (!record) {
    record = { key: nextKey++, generation: vault.generation, size: 0 };
    sent.set(vault, record);
  }
  const from = whole || record.generation !== vault.generation ? 0 : record.size;
  const entries = vault.entriesFrom(from).map((entry) => ({ kind: entry.kind, value: entry.value, placeholder: entry.placeholder, normalized: entry.normalized }));
  record.generation = vault.generation;
  record.size = from + entries.length;
  return { key: record.key, generation: vault.generation, from, entries };
}

/** The spans of a text and the vault size they account for (values added later were not searched for). */
export interface ThreadSpans {
  spans: Spans;
  vaultSize: number;
}

/**
 * Finds what to replace in a long text on the detection thread: the same {@link Spans} as
 * `findInText` on the calling thread, with the vault's values as they are now. `undefined` when
 * the text is short, the detector cannot be rebuilt on another thread (a validator that is a
 * function), or there is no built thread entry (running from changed sources): the caller then
 * detects on its own thread.
 */
export async function findOffThread(text: string, detector: Detector, vault: PiiVault | undefined, useKnown = true): Promise<ThreadSpans | undefined> {
  if (text.length < offThreadMinChars || detector.portableOptions === undefined) return undefined;
  const tinypool = thread();
  if (tinypool === null) return undefined;
  const withVault = vault !== undefined && useKnown && vault.size > 0;
  const task = (whole: boolean): DetectTask => ({ text, detector: detector.portableOptions!, ...(withVault ? { vault: deltaOf(vault, whole) } : {}) });
  const vaultSize = vault?.size ?? 0;
  let reply: DetectReply;
  try {
    reply = (await Promise.race([tinypool.run(task(false)), watch!.failed])) as DetectReply;
    if (reply.resync) reply = (await Promise.race([tinypool.run(task(true)), watch!.failed])) as DetectReply;
  } catch {
    // The thread failed (it could not start, or ran out of memory): the caller detects inline.
    return undefined;
  }
  if (reply.resync) return undefined;
  const tokens = new TokenList();
  tokens.length = reply.tokens.length;
  tokens.starts = reply.tokens.starts;
  tokens.ends = reply.tokens.ends;
  tokens.types = reply.tokens.types;
  tokens.fieldIds = reply.tokens.fieldIds;
  for (const index of reply.tokens.rules) tokens.rules.push(detector.fields.rules[index]!);
  return { spans: { text, tokens, candidates: reply.candidates, fields: reply.fields, fieldCount: reply.fieldCount }, vaultSize };
}
