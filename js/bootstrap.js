// bootstrap.js — owns warren's JS globals: console, timers and queueMicrotask.
// Evaluates to a function that build.rs calls once, into the startup snapshot, with:
//   core            the object that will hold the Rust functions (print, timerStart/Cancel/
//                   Ref, setFireTimer, promiseState, ...): empty while the snapshot is made,
//                   filled by the runtime when JS first runs (js_layer.rs)
//   global          the context's global object
// and returns the `internals` object the Rust side keeps. Nothing here may call `core`
// while it runs: what needs the Rust functions happens in `internals.start()`, which the
// runtime calls once they are there.
(function bootstrap(core, global) {
  "use strict";

  // js/inspect.js (Node's util.inspect port) is compiled on the first console call.
  let inspector;
  function getInspector() {
    return inspector ??= core.loadInternal("inspect")({
      getPromiseState: core.promiseState,
      getProxyDetails: core.proxyDetails,
      getConstructorName: core.constructorName,
      getOwnNonIndexProperties: core.ownNonIndexProperties,
      // inspect.js asks for the [entries, isKeyValue] pair for iterators, entries otherwise.
      previewEntries(v, isIterator) {
        const r = core.previewEntries(v);
        return r === undefined ? undefined : isIterator ? r : r[0];
      },
    });
  }
  function inspect(...args) { return getInspector().inspect(...args); }
  function format(...args) { return getInspector().format(...args); }
  function formatWithOptions(...args) { return getInspector().formatWithOptions(...args); }
  Object.defineProperty(inspect, "custom", { value: Symbol.for("nodejs.util.inspect.custom") });
  Object.defineProperty(inspect, "defaultOptions", {
    get: () => getInspector().inspect.defaultOptions,
    set: (v) => { getInspector().inspect.defaultOptions = v; },
  });

  function define(obj, name, value) {
    Object.defineProperty(obj, name, {
      value,
      writable: true,
      enumerable: false,
      configurable: true,
    });
  }

  // ---- console -------------------------------------------------------------------------
  let groupIndent = "";
  const counts = new Map();
  const timers = new Map();

  // What util.format gives for primitives is String() of each (numbers but -0, a first
  // string without "%"), space-joined: the common console.log("text") then needs no
  // inspect.js, whose compilation is most of a small program's start. Anything else
  // returns undefined and goes through inspect.
  function formatPrimitives(args) {
    let out = "";
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      let s;
      switch (typeof a) {
        case "string":
          if (i === 0 && a.includes("%")) return undefined;
          s = a;
          break;
        case "number":
          if (a === 0 && 1 / a < 0) return undefined;
          s = `${a}`;
          break;
        case "boolean":
        case "undefined":
          s = `${a}`;
          break;
        case "bigint":
          s = `${a}n`;
          break;
        default:
          if (a !== null) return undefined;
          s = "null";
      }
      out += i === 0 ? s : " " + s;
    }
    return out;
  }

  function write(toStderr, args) {
    let text = formatPrimitives(args) ?? formatWithOptions({}, ...args);
    if (groupIndent !== "") {
      text = groupIndent + text.split("\n").join("\n" + groupIndent);
    }
    core.print(text + "\n", toStderr);
  }

  const console = {
    log(...args) { write(false, args); },
    info(...args) { write(false, args); },
    debug(...args) { write(false, args); },
    warn(...args) { write(true, args); },
    error(...args) { write(true, args); },
    dir(value, options) {
      write(false, [inspect(value, { customInspect: false, ...options })]);
    },
    dirxml(...args) { write(false, args); },
    trace(...args) {
      const err = { name: "Trace", message: format(...args) };
      Error.captureStackTrace(err, console.trace);
      write(true, [err.stack]);
    },
    assert(condition, ...args) {
      if (condition) return;
      if (args.length === 0) {
        write(true, ["Assertion failed"]);
      } else if (typeof args[0] === "string") {
        write(true, [`Assertion failed: ${args[0]}`, ...args.slice(1)]);
      } else {
        write(true, ["Assertion failed:", ...args]);
      }
    },
    count(label = "default") {
      label = `${label}`;
      const n = (counts.get(label) || 0) + 1;
      counts.set(label, n);
      write(false, [`${label}: ${n}`]);
    },
    countReset(label = "default") {
      counts.delete(`${label}`);
    },
    group(...args) {
      if (args.length > 0) write(false, args);
      groupIndent += "  ";
    },
    groupCollapsed(...args) { console.group(...args); },
    groupEnd() { groupIndent = groupIndent.slice(0, -2); },
    time(label = "default") {
      timers.set(`${label}`, performanceNow());
    },
    timeLog(label = "default", ...data) {
      label = `${label}`;
      if (!timers.has(label)) {
        write(true, [`Warning: No such label '${label}' for console.timeLog()`]);
        return;
      }
      write(false, [`${label}: ${formatMs(performanceNow() - timers.get(label))}`, ...data]);
    },
    timeEnd(label = "default") {
      label = `${label}`;
      if (!timers.has(label)) {
        write(true, [`Warning: No such label '${label}' for console.timeEnd()`]);
        return;
      }
      write(false, [`${label}: ${formatMs(performanceNow() - timers.get(label))}`]);
      timers.delete(label);
    },
    table(data) { write(false, [data]); },
    clear() {},
  };
  function performanceNow() {
    return Date.now();
  }
  function formatMs(ms) {
    return ms >= 1000 ? `${(ms / 1000).toFixed(3)}s` : `${ms.toFixed(3)}ms`;
  }
  for (const key of Object.keys(console)) {
    define(console, key, console[key]);
  }
  Object.defineProperty(console, Symbol.toStringTag, {
    value: "console",
    configurable: true,
  });
  define(global, "console", console);

  // ---- timers ------------------------------------------------------------------------
  // Rust keeps deadlines (ordered by deadline, then creation); JS keeps the callbacks.
  const TIMEOUT_MAX = 2 ** 31 - 1;
  const active = new Map();
  let nextId = 1;

  class Timeout {
    #id;
    constructor(id) { this.#id = id; }
    ref() {
      const t = active.get(this.#id);
      if (t) { t.refed = true; core.timerRef(this.#id, true); }
      return this;
    }
    unref() {
      const t = active.get(this.#id);
      if (t) { t.refed = false; core.timerRef(this.#id, false); }
      return this;
    }
    hasRef() {
      const t = active.get(this.#id);
      return t ? t.refed : false;
    }
    refresh() {
      const t = active.get(this.#id);
      if (t) core.timerStart(this.#id, t.delay, t.refed);
      return this;
    }
    close() { clear(this.#id); return this; }
    [Symbol.toPrimitive]() { return this.#id; }
  }

  function normalizeDelay(ms) {
    ms = Number(ms);
    if (!(ms >= 1 && ms <= TIMEOUT_MAX)) ms = 1;
    return ms;
  }

  function schedule(callback, delay, args, repeat) {
    if (typeof callback !== "function") {
      const err = new TypeError(
        `The "callback" argument must be of type function. Received ${inspect(callback)}`,
      );
      err.code = "ERR_INVALID_ARG_TYPE";
      throw err;
    }
    const id = nextId++;
    delay = normalizeDelay(delay);
    active.set(id, { callback, args, delay, repeat, refed: true });
    core.timerStart(id, delay, true);
    return new Timeout(id);
  }

  function clear(handle) {
    if (handle === undefined || handle === null) return;
    const id = typeof handle === "object" ? handle[Symbol.toPrimitive]?.() : Number(handle);
    if (active.delete(id)) core.timerCancel(id);
  }

  function fireTimer(id) {
    const t = active.get(id);
    if (t === undefined) return;
    if (t.repeat) {
      core.timerStart(id, t.delay, t.refed);
    } else {
      active.delete(id);
    }
    try {
      Reflect.apply(t.callback, globalThis, t.args);
    } catch (e) {
      // Node's process.on("uncaughtException") (js/node.js) may take it; else it fails
      // the program.
      if (internals.uncaughtException?.(e) !== true) throw e;
    }
  }

  define(global, "setTimeout", function setTimeout(callback, delay, ...args) {
    return schedule(callback, delay, args, false);
  });
  define(global, "setInterval", function setInterval(callback, delay, ...args) {
    return schedule(callback, delay, args, true);
  });
  define(global, "clearTimeout", function clearTimeout(handle) { clear(handle); });
  define(global, "clearInterval", function clearInterval(handle) { clear(handle); });
  define(global, "queueMicrotask", function queueMicrotask(callback) {
    if (typeof callback !== "function") {
      throw new TypeError("queueMicrotask: callback must be a function");
    }
    Promise.resolve().then(() => callback());
  });

  // ---- the rest of the platform, loaded on first use ------------------------------------
  // Each internal file (js/<name>.js) evaluates to a function(core, global, internals) that
  // installs its globals as data properties, replacing the lazy accessors below. Nothing is
  // parsed until a program touches it, so `warren run x.wasm --invoke` pays for none of it.
  const internals = {
    inspect,
    format,
    formatWithOptions,
    nodeModules: Object.create(null),
    loaded: Object.create(null),
    cwd: () => core.cwd(),
    load(name) {
      if (!(name in internals.loaded)) {
        internals.loaded[name] = true;
        core.loadInternal(name)(core, global, internals);
      }
    },
  };
  // Which file defines each lazily installed global.
  const lazyGlobals = {
    web: [
      "TextEncoder", "TextDecoder", "URL", "atob", "btoa", "performance", "crypto",
      "fetch", "Response", "Headers", "Request", "Blob", "File", "FormData", "navigator",
    ],
    event: [
      "Event", "EventTarget", "CustomEvent", "AbortController", "AbortSignal", "DOMException",
    ],
    streams: [
      "ReadableStream", "ReadableStreamDefaultReader", "ReadableStreamDefaultController",
      "ByteLengthQueuingStrategy", "CountQueuingStrategy",
    ],
    writable_streams: [
      "WritableStream", "WritableStreamDefaultWriter", "WritableStreamDefaultController",
      "TransformStream", "TransformStreamDefaultController", "TextEncoderStream", "TextDecoderStream",
      "CompressionStream", "DecompressionStream",
    ],
    subtle: ["CryptoKey", "SubtleCrypto"],
    structured_clone: ["structuredClone"],
    url_search_params: ["URLSearchParams"],
    url_pattern: ["URLPattern"],
    message_channel: ["MessageChannel", "MessagePort", "MessageEvent"],
    buffer: ["Buffer"],
    node: ["process", "global", "setImmediate", "clearImmediate"],
  };
  for (const [file, names] of Object.entries(lazyGlobals)) {
    for (const name of names) {
      Object.defineProperty(global, name, {
        get() {
          internals.load(file);
          const d = Object.getOwnPropertyDescriptor(global, name);
          return d && "value" in d ? d.value : undefined;
        },
        set(v) {
          define(global, name, v);
        },
        enumerable: false,
        configurable: true,
      });
    }
  }
  define(global, "self", global);
  // What needs the Rust functions, once per runtime when JS first runs.
  internals.start = function start() {
    delete internals.start;
    core.setFireTimer(fireTimer);
    // V8 adds WebAssembly to each context when it is made (a snapshot cannot hold it), so
    // its lazy members are defined here. Streaming compilation is added when first used.
    for (const name of ["compileStreaming", "instantiateStreaming"]) {
      Object.defineProperty(WebAssembly, name, {
        get() {
          internals.load("web");
          return WebAssembly[name];
        },
        set(v) {
          define(WebAssembly, name, v);
        },
        enumerable: false,
        configurable: true,
      });
    }
    // The type budget, fuel, the memory cap and the compiled-Wasm cache reach Wasm that JS
    // compiles, too.
    core.loadInternal("wasm_compile")(core, global, core.wasmThroughWarren());
  };
  // The object Rust keeps (State::internals).
  return internals;
});
