import { bridgeGlobals, maxRandomBytes, shimModuleId } from '../bridge.ts';

/**
 * The guest runtime: plain JavaScript evaluated first in every fresh isolate. It takes the bridge
 * globals into a closure, removes them and a few host-ish globals, installs `console`, `workspace`,
 * `crypto`, the web globals (on first use) and a module registry, and defines the main function the
 * host calls once.
 *
 * It is a string, not a module, because it runs inside the isolate; it must not contain backticks.
 */
const source = String.raw`(function () {
  'use strict';
  var g = globalThis;
  var hostLog = g.BRIDGE_LOG, hostTool = g.BRIDGE_TOOL, hostWs = g.BRIDGE_WS, hostDeny = g.BRIDGE_DENY, hostRandom = g.BRIDGE_RANDOM, hostWeb = g.BRIDGE_WEB;
  var JSONparse = JSON.parse, JSONstringify = JSON.stringify;
  var config = JSONparse(g.BRIDGE_CONFIG);
  ['BRIDGE_LOG', 'BRIDGE_TOOL', 'BRIDGE_WS', 'BRIDGE_DENY', 'BRIDGE_RANDOM', 'BRIDGE_WEB', 'BRIDGE_CONFIG', 'WebAssembly', 'SharedArrayBuffer', 'Atomics']
    .forEach(function (name) { delete g[name]; });
  var StringCtor = String, ErrorCtor = Error, isArray = Array.isArray, objectKeys = Object.keys;
  var hasOwn = Object.prototype.hasOwnProperty, freeze = Object.freeze, defineProperty = Object.defineProperty;
  // Intrinsics the module loader and the tool shim use, taken before any program runs: a program
  // that replaces Function.prototype.call, Map.prototype.get or String.prototype.slice changes
  // only its own code, never which module a require loads or what a tool call returns.
  var apply = Reflect.apply, WeakMapCtor = WeakMap, MapCtor = Map, FunctionCtor = Function;
  var mapGet = MapCtor.prototype.get, mapSet = MapCtor.prototype.set, mapHas = MapCtor.prototype.has;
  var weakGet = WeakMapCtor.prototype.get, weakSet = WeakMapCtor.prototype.set;
  var charAt = StringCtor.prototype.charAt, strSlice = StringCtor.prototype.slice, arraySlice = Array.prototype.slice;
  var toolApply = hostTool.apply;
  function own(object, key) { return object !== null && object !== undefined && apply(hasOwn, object, [key]); }
  var bridgeErrors = new WeakMapCtor();
  var maxOut = config.maxOutputChars;

  function bridgeError(json) {
    var info = JSONparse(json);
    var error = new ErrorCtor(info.message);
    error.name = 'MagsagError';
    error.code = info.code;
    if (info.data !== undefined) error.data = info.data;
    apply(weakSet, bridgeErrors, [error, info.id]);
    return error;
  }
  function unwrap(reply) {
    if (apply(charAt, reply, [0]) === 'R') return JSONparse(apply(strSlice, reply, [1]));
    throw bridgeError(apply(strSlice, reply, [1]));
  }

  // console: formatted in the guest, cut to the output cap, sent line by line.
  function inspect(value, depth, seen, budget) {
    if (value === null) return 'null';
    var type = typeof value;
    if (type === 'string') return depth === 0 ? value : JSONstringify(value);
    if (type === 'number' || type === 'boolean' || type === 'undefined') return StringCtor(value);
    if (type === 'bigint') return StringCtor(value) + 'n';
    if (type === 'symbol') return value.toString();
    if (type === 'function') return '[Function ' + (value.name || 'anonymous') + ']';
    if (value instanceof ErrorCtor) return StringCtor(value.stack || value.name + ': ' + value.message);
    if (seen.indexOf(value) !== -1) return '[Circular]';
    if (depth > 6) return isArray(value) ? '[Array]' : '[Object]';
    seen.push(value);
    var parts = [], length = 0, i;
    if (isArray(value)) {
      for (i = 0; i < value.length && length < budget; i++) {
        var item = inspect(value[i], depth + 1, seen, budget - length);
        parts.push(item); length += item.length + 1;
      }
      if (i < value.length) parts.push('... ' + (value.length - i) + ' more');
      seen.pop();
      return '[' + parts.join(',') + ']';
    }
    if (typeof value.toJSON === 'function') { seen.pop(); return inspect(value.toJSON(), depth, seen, budget); }
    var keys = objectKeys(value);
    for (i = 0; i < keys.length && length < budget; i++) {
      var part = JSONstringify(keys[i]) + ':' + inspect(value[keys[i]], depth + 1, seen, budget - length);
      parts.push(part); length += part.length + 1;
    }
    if (i < keys.length) parts.push('... ' + (keys.length - i) + ' more');
    seen.pop();
    return '{' + parts.join(',') + '}';
  }
  function emit(level, args) {
    var text = '';
    for (var i = 0; i < args.length && text.length <= maxOut; i++) {
      text += (i ? ' ' : '') + inspect(args[i], 0, [], maxOut + 1 - text.length);
    }
    if (text.length > maxOut + 1) text = text.slice(0, maxOut + 1);
    hostLog(level, text);
  }
  var consoleObject = {};
  ['log', 'info', 'warn', 'error', 'debug'].forEach(function (level) {
    consoleObject[level] = function () { emit(level, apply(arraySlice, arguments, [])); };
  });
  consoleObject.trace = consoleObject.debug;
  consoleObject.dir = function (value) { emit('log', [value]); };
  defineProperty(g, 'console', { value: freeze(consoleObject), writable: true, configurable: true, enumerable: false });

  // workspace: a small file API confined to the run's workspace folder (checked on the host).
  // With an asynchronous store (PostgreSQL) the host function is async: applySyncPromise blocks
  // this isolate (not the host's event loop) until it resolves.
  var wsBlocking = config.workspaceBlocking === true, wsApplySync = wsBlocking ? hostWs.applySyncPromise : undefined;
  function wsCall(op, path, data) {
    var p = typeof path === 'string' ? path : StringCtor(path === undefined ? '' : path);
    return unwrap(wsBlocking ? apply(wsApplySync, hostWs, [undefined, [op, p, data]]) : hostWs(op, p, data));
  }
  var workspace = freeze({
    read: async function (path) { return wsCall('read', path); },
    readJson: async function (path) { return JSONparse(wsCall('read', path)); },
    write: async function (path, data) {
      var text = typeof data === 'string' ? data : JSONstringify(data, null, 2);
      if (typeof text !== 'string') text = '';
      if (text.length > config.maxWriteChars) text = text.slice(0, config.maxWriteChars + 1);
      return wsCall('write', path, text);
    },
    list: async function (path) { return wsCall('list', path === undefined ? '.' : path); },
    remove: async function (path) { wsCall('remove', path); },
    exists: async function (path) { return wsCall('exists', path); },
  });
  defineProperty(g, 'workspace', { value: workspace, writable: false, configurable: false, enumerable: false });

  // Web globals from core-js and fast-text-encoding (bundled at build time, see webGlobalsBundle.ts).
  // Evaluating a bundle costs up to several ms, and carrying its source would slow every isolate's
  // start: the host hands it over on the first read or write of one of its names.
  var webGroups = { text: ['TextEncoder', 'TextDecoder'], core: ['URL', 'URLSearchParams', 'DOMException', 'atob', 'btoa', 'structuredClone'] };
  var webInstalled = {};
  function installWeb(group) {
    if (own(webInstalled, group)) return;
    webInstalled[group] = true;
    var names = webGroups[group];
    names.forEach(function (name) { delete g[name]; });
    apply(FunctionCtor(hostWeb(group)), undefined, []);
    names.forEach(function (name) {
      defineProperty(g, name, { value: g[name], writable: true, configurable: true, enumerable: false });
    });
  }
  objectKeys(webGroups).forEach(function (group) {
    webGroups[group].forEach(function (name) {
      defineProperty(g, name, {
        get: function () { installWeb(group); return g[name]; },
        set: function (value) { installWeb(group); defineProperty(g, name, { value: value, writable: true, configurable: true, enumerable: false }); },
        configurable: true, enumerable: false,
      });
    });
  });

  // crypto: random bytes come from the host (node:crypto), at most MAX_RANDOM_BYTES per call.
  var TypedArrayProto = Object.getPrototypeOf(Uint8Array.prototype), getDescriptor = Object.getOwnPropertyDescriptor;
  var typedTag = getDescriptor(TypedArrayProto, Symbol.toStringTag).get, typedBuffer = getDescriptor(TypedArrayProto, 'buffer').get;
  var typedOffset = getDescriptor(TypedArrayProto, 'byteOffset').get, typedLength = getDescriptor(TypedArrayProto, 'byteLength').get;
  var Uint8Ctor = Uint8Array, charCodeAt = StringCtor.prototype.charCodeAt;
  var integerArrays = { Int8Array: 1, Uint8Array: 1, Uint8ClampedArray: 1, Int16Array: 1, Uint16Array: 1, Int32Array: 1, Uint32Array: 1, BigInt64Array: 1, BigUint64Array: 1 };
  function domException(message, name) { installWeb('core'); return new g.DOMException(message, name); }
  function getRandomValues(array) {
    if (arguments.length === 0) throw new TypeError("Failed to execute 'getRandomValues' on 'Crypto': 1 argument required, but only 0 present.");
    var tag = array !== null && typeof array === 'object' ? apply(typedTag, array, []) : undefined;
    if (!own(integerArrays, tag)) {
      throw domException("Failed to execute 'getRandomValues' on 'Crypto': The provided ArrayBufferView is not an integer-typed array.", 'TypeMismatchError');
    }
    var length = apply(typedLength, array, []);
    if (length > MAX_RANDOM_BYTES) {
      throw domException("Failed to execute 'getRandomValues' on 'Crypto': The ArrayBufferView's byte length (" + length + ') exceeds the number of bytes of entropy available via this API (MAX_RANDOM_BYTES).', 'QuotaExceededError');
    }
    var bytes = hostRandom(length);
    var view = new Uint8Ctor(apply(typedBuffer, array, []), apply(typedOffset, array, []), length);
    for (var i = 0; i < length; i++) view[i] = apply(charCodeAt, bytes, [i]);
    return array;
  }
  var hexDigits = '0123456789abcdef';
  function randomUUID() {
    var b = getRandomValues(new Uint8Ctor(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var s = '';
    for (var i = 0; i < 16; i++) {
      s += (i === 4 || i === 6 || i === 8 || i === 10 ? '-' : '') + apply(charAt, hexDigits, [b[i] >> 4]) + apply(charAt, hexDigits, [b[i] & 15]);
    }
    return s;
  }
  defineProperty(g, 'crypto', { value: freeze({ getRandomValues: getRandomValues, randomUUID: randomUUID }), writable: true, configurable: true, enumerable: false });

  // The tool-call shim that generated modules import as '@magsag/mcp-client'.
  async function callMCPTool(server, tool, args) {
    var argsJson = JSONstringify(args === undefined ? {} : args);
    var reply = await apply(toolApply, hostTool, [undefined, [StringCtor(server), StringCtor(tool), typeof argsJson === 'string' ? argsJson : 'null'], { result: { promise: true } }]);
    return unwrap(reply);
  }
  // What generated modules call: the host parses the result (structuredContent, else the JSON of a
  // single text block, else the text) and checks it against the tool's inferred type; a mismatch
  // comes back as a warning, logged here into the run's logs, never as a failure.
  async function callMCPToolData(server, tool, args) {
    var argsJson = JSONstringify(args === undefined ? {} : args);
    var reply = await apply(toolApply, hostTool, [undefined, [StringCtor(server), StringCtor(tool), typeof argsJson === 'string' ? argsJson : 'null', 'data'], { result: { promise: true } }]);
    var value = unwrap(reply);
    var warnings = value.warnings;
    for (var i = 0; i < warnings.length; i++) emit('warn', [warnings[i]]);
    return value.data;
  }
  var shim = freeze({ __esModule: true, callMCPTool: callMCPTool, callMCPToolData: callMCPToolData });

  // Module registry: factories defined by one script per module, instantiated on first require.
  var factories = new MapCtor(), instances = new MapCtor();
  defineProperty(g, 'BRIDGE_DEFINE', {
    value: function (id, factory) { if (!apply(mapHas, factories, [id])) apply(mapSet, factories, [id, factory]); },
    writable: false, configurable: true, enumerable: false,
  });
  function requireFrom(importer) {
    var deps = own(config.deps, importer) ? config.deps[importer] : {};
    return function require(specifier) {
      specifier = StringCtor(specifier);
      if (!own(deps, specifier)) throw bridgeError(hostDeny(specifier, importer));
      return load(deps[specifier]);
    };
  }
  function load(id) {
    if (id === SHIM_ID) return shim;
    var existing = apply(mapGet, instances, [id]);
    if (existing) return existing.exports;
    var module = { exports: {} };
    apply(mapSet, instances, [id, module]);
    apply(apply(mapGet, factories, [id]), module.exports, [module.exports, requireFrom(id), module]);
    return module.exports;
  }

  function text(value, max) {
    try {
      var s = typeof value === 'string' ? value : value === undefined ? '' : StringCtor(value);
      return s.length > max ? s.slice(0, max) + '... (' + (s.length - max) + ' more characters)' : s;
    } catch (error) { return ''; }
  }
  function describe(thrown) {
    var report = { name: 'Error', message: '', stack: '' };
    try {
      if (thrown !== null && (typeof thrown === 'object' || typeof thrown === 'function')) {
        var id = apply(weakGet, bridgeErrors, [thrown]);
        if (id !== undefined) report.bridgeErrorId = id;
        report.name = text(thrown.name, 200) || 'Error';
        report.message = text(thrown.message, 8000);
        report.stack = text(thrown.stack, 8000);
        if (!report.message && !report.stack) report.message = text(inspect(thrown, 0, [], 8000), 8000);
      } else {
        report.name = 'Thrown value';
        report.message = text(inspect(thrown, 1, [], 8000), 8000);
      }
    } catch (error) {
      if (!report.message) report.message = 'The thrown value could not be read.';
    }
    return report;
  }
  function serialize(value) {
    try {
      return JSONstringify(value);
    } catch (error) {
      if (!(error instanceof TypeError) || String(error.message).indexOf('BigInt') === -1) throw error;
      return JSONstringify(value, function (key, v) { return typeof v === 'bigint' ? StringCtor(v) : v; });
    }
  }

  defineProperty(g, 'BRIDGE_MAIN', {
    value: async function (inputJson) {
      delete g.BRIDGE_MAIN;
      delete g.BRIDGE_DEFINE;
      try {
        var input = inputJson === undefined ? undefined : JSONparse(inputJson);
        var module = { exports: {} };
        apply(mapSet, instances, [config.programId, module]);
        await apply(apply(mapGet, factories, [config.programId]), module.exports, [module.exports, requireFrom(config.programId), module]);
        var value = module.exports.default;
        value = typeof value === 'function' ? await value(input) : await value;
        var json = value === undefined ? undefined : serialize(value);
        if (json === undefined) return 'U';
        if (json.length > maxOut) return 'O' + json.length;
        return 'R' + json;
      } catch (thrown) {
        return 'E' + JSONstringify(describe(thrown));
      }
    },
    writable: false, configurable: true, enumerable: false,
  });
})();`;

const replacements: Record<string, string> = {
  BRIDGE_LOG: bridgeGlobals.log,
  BRIDGE_TOOL: bridgeGlobals.tool,
  BRIDGE_WS: bridgeGlobals.workspace,
  BRIDGE_DENY: bridgeGlobals.denyImport,
  BRIDGE_RANDOM: bridgeGlobals.random,
  BRIDGE_WEB: bridgeGlobals.web,
  BRIDGE_CONFIG: bridgeGlobals.config,
  BRIDGE_DEFINE: bridgeGlobals.define,
  BRIDGE_MAIN: bridgeGlobals.main,
  SHIM_ID: JSON.stringify(shimModuleId),
  MAX_RANDOM_BYTES: String(maxRandomBytes),
};

/** The guest runtime's source, with the bridge's global names filled in. */
export const guestRuntimeSource: string = source.replace(/\b(BRIDGE_[A-Z]+|SHIM_ID|MAX_RANDOM_BYTES)\b/g, (name) => replacements[name] ?? name);

/** Wraps a transpiled module as a script that registers its factory; line 1 is the wrapper. */
export function wrapModule(id: string, code: string, isAsync: boolean): string {
  return `${bridgeGlobals.define}(${JSON.stringify(id)}, ${isAsync ? 'async ' : ''}function (exports, require, module) {\n${code}\n});`;
}
