import { bridgeGlobals, shimModuleId } from '../bridge.ts';

/**
 * The guest runtime: plain JavaScript evaluated first in every fresh isolate. It takes the bridge
 * globals into a closure, removes them and a few host-ish globals, installs `console`, `workspace`
 * and a module registry, and defines the main function the host calls once.
 *
 * It is a string, not a module, because it runs inside the isolate; it must not contain backticks.
 */
const source = String.raw`(function () {
  'use strict';
  var g = globalThis;
  var hostLog = g.BRIDGE_LOG, hostTool = g.BRIDGE_TOOL, hostWs = g.BRIDGE_WS, hostDeny = g.BRIDGE_DENY;
  var JSONparse = JSON.parse, JSONstringify = JSON.stringify;
  var config = JSONparse(g.BRIDGE_CONFIG);
  ['BRIDGE_LOG', 'BRIDGE_TOOL', 'BRIDGE_WS', 'BRIDGE_DENY', 'BRIDGE_CONFIG', 'WebAssembly', 'SharedArrayBuffer', 'Atomics']
    .forEach(function (name) { delete g[name]; });
  var StringCtor = String, ErrorCtor = Error, isArray = Array.isArray, objectKeys = Object.keys;
  var hasOwn = Object.prototype.hasOwnProperty, freeze = Object.freeze, defineProperty = Object.defineProperty;
  // Intrinsics the module loader and the tool shim use, taken before any program runs: a program
  // that replaces Function.prototype.call, Map.prototype.get or String.prototype.slice changes
  // only its own code, never which module a require loads or what a tool call returns.
  var apply = Reflect.apply, WeakMapCtor = WeakMap, MapCtor = Map;
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
  function wsCall(op, path, data) {
    return unwrap(hostWs(op, typeof path === 'string' ? path : StringCtor(path === undefined ? '' : path), data));
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

  // The tool-call shim that generated modules import as '@magsag/mcp-client'.
  async function callMCPTool(server, tool, args) {
    var argsJson = JSONstringify(args === undefined ? {} : args);
    var reply = await apply(toolApply, hostTool, [undefined, [StringCtor(server), StringCtor(tool), typeof argsJson === 'string' ? argsJson : 'null'], { result: { promise: true } }]);
    return unwrap(reply);
  }
  var shim = freeze({ __esModule: true, callMCPTool: callMCPTool });

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
  BRIDGE_CONFIG: bridgeGlobals.config,
  BRIDGE_DEFINE: bridgeGlobals.define,
  BRIDGE_MAIN: bridgeGlobals.main,
  SHIM_ID: JSON.stringify(shimModuleId),
};

/** The guest runtime's source, with the bridge's global names filled in. */
export const guestRuntimeSource: string = source.replace(/\b(BRIDGE_[A-Z]+|SHIM_ID)\b/g, (name) => replacements[name] ?? name);

/** Wraps a transpiled module as a script that registers its factory; line 1 is the wrapper. */
export function wrapModule(id: string, code: string, isAsync: boolean): string {
  return `${bridgeGlobals.define}(${JSON.stringify(id)}, ${isAsync ? 'async ' : ''}function (exports, require, module) {\n${code}\n});`;
}
