/**
 * A compact Aho-Corasick automaton over UTF-16 code units: one pass over the text finds every
 * occurrence of every pattern, whatever their number (time linear in the text plus the matches).
 *
 * Why not a library: `modern-ahocorasick` (the well-kept one on npm) segments the text into
 * grapheme clusters and scans at about 20 MB/s on CRM-like JSON, below the masker's whole budget;
 * this one works on code units with typed arrays (a dense table for the root, open addressing for
 * the other states) and scans several times faster. See docs/architecture/pii.md.
 */
export class AhoCorasick {
  /** Pattern index ending at each state (-1: none); the longest pattern of the state. */
  readonly #output: Int32Array;
  /** The next state down the failure chain that has an output (-1: none). */
  readonly #outLink: Int32Array;
  readonly #fail: Int32Array;
  readonly #root: Int32Array;
  readonly #keys: Float64Array;
  readonly #values: Int32Array;
  readonly #mask: number;
  readonly #lengths: Int32Array;
  /** Number of patterns. */
  readonly size: number;

  /** `patterns` are matched exactly (fold the text and the patterns the same way beforehand). */
  constructor(patterns: readonly string[]) {
    this.size = patterns.length;
    let total = 1;
    for (const pattern of patterns) total += pattern.length;
    // Every state but the root is reached by one edge: states ≤ total, edges ≤ total - 1.
    const capacity = 1 << Math.ceil(Math.log2(Math.max(16, total * 2)));
    this.#mask = capacity - 1;
    this.#keys = new Float64Array(capacity).fill(-1);
    this.#values = new Int32Array(capacity);
    // The root's table covers the code units patterns start with (often only ASCII): the automaton
    // is rebuilt as the vault grows, and a table for all 65,536 code units made each build costly.
    let rootSize = 1;
    for (const pattern of patterns) if (pattern.length > 0) rootSize = Math.max(rootSize, pattern.charCodeAt(0) + 1);
    this.#root = new Int32Array(rootSize);
    const output = new Int32Array(total).fill(-1);
    this.#lengths = new Int32Array(patterns.length);
    const firstChild: number[] = [];
    const nextSibling: number[] = [];
    const edgeCode: number[] = [];
    firstChild.push(-1);
    nextSibling.push(-1);
    edgeCode.push(0);
    let states = 1;
    for (let p = 0; p < patterns.length; p++) {
      const pattern = patterns[p]!;
      this.#lengths[p] = pattern.length;
      if (pattern.length === 0) continue;
      let state = 0;
      for (let i = 0; i < pattern.length; i++) {
        const code = pattern.charCodeAt(i);
        let next = this.#get(state, code);
        if (next === 0) {
          next = states++;
          firstChild.push(-1);
          nextSibling.push(firstChild[state]!);
          edgeCode.push(code);
          firstChild[state] = next;
          this.#set(state, code, next);
        }
        state = next;
      }
      const previous = output[state]!;
      if (previous === -1 || pattern.length > this.#lengths[previous]!) output[state] = p;
    }
    const fail = new Int32Array(states);
    const outLink = new Int32Array(states).fill(-1);
    // Breadth first: a state's failure is computed after every shallower state's.
    const queue = new Int32Array(states);
    let head = 0;
    let tail = 0;
    for (let child = firstChild[0]!; child !== -1; child = nextSibling[child]!) queue[tail++] = child;
    while (head < tail) {
      const state = queue[head++]!;
      for (let child = firstChild[state]!; child !== -1; child = nextSibling[child]!) {
        const code = edgeCode[child]!;
        let f = fail[state]!;
        let target = this.#step(f, code);
        while (target === 0 && f !== 0) {
          f = fail[f]!;
          target = this.#step(f, code);
        }
        fail[child] = target === child ? 0 : target;
        const failure = fail[child]!;
        outLink[child] = output[failure] !== -1 ? failure : outLink[failure]!;
        queue[tail++] = child;
      }
    }
    this.#fail = fail;
    this.#outLink = outLink;
    this.#output = output.subarray(0, states);
  }

  #slot(state: number, code: number): number {
    const key = state * 65_536 + code;
    let slot = (Math.imul(state, 0x9e3779b1) ^ Math.imul(code, 0x85ebca6b)) & this.#mask;
    for (;;) {
      const found = this.#keys[slot]!;
      if (found === key || found === -1) return slot;
      slot = (slot + 1) & this.#mask;
    }
  }

  #get(state: number, code: number): number {
    if (state === 0) return code < this.#root.length ? this.#root[code]! : 0;
    const slot = this.#slot(state, code);
    return this.#keys[slot] === -1 ? 0 : this.#values[slot]!;
  }

  #set(state: number, code: number, next: number): void {
    if (state === 0) {
      this.#root[code] = next;
      return;
    }
    const slot = this.#slot(state, code);
    this.#keys[slot] = state * 65_536 + code;
    this.#values[slot] = next;
  }

  // The goto function: 0 for "no edge" (the root has every edge, to itself when absent).
  #step(state: number, code: number): number {
    return this.#get(state, code);
  }

  /**
   * Calls `found(pattern, start, end)` for every occurrence in `text` (end exclusive), in order of
   * their end. `fold`, when given, maps each code unit first (it must not change the length).
   */
  scan(text: string, found: (pattern: number, start: number, end: number) => void): void {
    const root = this.#root;
    const rootSize = root.length;
    const keys = this.#keys;
    const values = this.#values;
    const mask = this.#mask;
    const fail = this.#fail;
    const output = this.#output;
    const outLink = this.#outLink;
    const lengths = this.#lengths;
    let state = 0;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      for (;;) {
        let next: number;
        if (state === 0) {
          next = code < rootSize ? root[code]! : 0;
        } else {
          const key = state * 65_536 + code;
          let slot = (Math.imul(state, 0x9e3779b1) ^ Math.imul(code, 0x85ebca6b)) & mask;
          next = 0;
          for (;;) {
            const k = keys[slot]!;
            if (k === key) {
              next = values[slot]!;
              break;
            }
            if (k === -1) break;
            slot = (slot + 1) & mask;
          }
        }
        if (next !== 0 || state === 0) {
          state = next;
          break;
        }
        state = fail[state]!;
      }
      if (state === 0) continue;
      let at = output[state] !== -1 ? state : outLink[state]!;
      while (at !== -1) {
        const pattern = output[at]!;
        found(pattern, i + 1 - lengths[pattern]!, i + 1);
        at = outLink[at]!;
      }
    }
  }
}
