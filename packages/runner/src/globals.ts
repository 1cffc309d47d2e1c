/**
 * What a program finds in the sandbox besides the language's own built-ins, and what it does not:
 * `serve` tells a model (an empty `search_tools` query), and a test holds the runtime and the
 * type-checker's declarations to this list.
 */
export const sandboxGlobals = Object.freeze({
  present: Object.freeze(['console', 'workspace', 'URL', 'URLSearchParams', 'TextEncoder', 'TextDecoder', 'atob', 'btoa', 'structuredClone', 'DOMException', 'crypto']),
  absent: Object.freeze(['fetch', 'setTimeout', 'setInterval', 'require', 'process']),
});
