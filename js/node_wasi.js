// node_wasi.js — owns: `node:wasi`, Node's WASI class (version "preview1") over warren's
// Rust WASI implementation (core.wasiNew/wasiCall). Unlike Node's, it is a sandbox: a
// preopen is refused unless the runtime's permissions grant it (read for a read-only
// preopen, read and write otherwise). Evaluates to a function the Node layer calls as
// fn(core, global, internals); it sets internals.nodeModules.wasi.
(function (core, global, internals) {
  "use strict";

  internals.load?.("node_errors");
  const errors = internals.nodeErrors;
  const names = core.wasiNames();
  // Thrown through the Wasm frames by proc_exit when start() should return the status.
  const kExit = Symbol("kExitCode");

  function validateObject(v, name) {
    if (v === null || typeof v !== "object" || Array.isArray(v)) throw errors.invalidArgType(name, "object", v);
  }

  // `preopens` maps a guest path to a host path; warren also takes
  // { path, readOnly } as the value, for a preopen the program may only read.
  function preopenList(preopens) {
    const list = [];
    for (const [guest, value] of Object.entries(preopens)) {
      if (value !== null && typeof value === "object") {
        if (typeof value.path !== "string") throw errors.invalidArgType(`options.preopens.${guest}.path`, "string", value.path);
        list.push([String(guest), value.path, value.readOnly === true]);
      } else {
        list.push([String(guest), String(value), false]);
      }
    }
    return list;
  }

  class WASI {
    #handle;
    #memory;
    #started = false;
    #exitCode = 0;
    #instance;

    constructor(options = {}) {
      validateObject(options, "options");
      if (typeof options.version !== "string") throw errors.invalidArgType("options.version", "string", options.version);
      if (options.version !== "preview1") {
        throw errors.invalidArgValue("options.version", options.version, "must be \"preview1\" (warren implements wasi_snapshot_preview1 only)");
      }
      if (options.args !== undefined && !Array.isArray(options.args)) throw errors.invalidArgType("options.args", "Array", options.args);
      const args = (options.args ?? []).map(String);
      const env = [];
      if (options.env !== undefined) {
        validateObject(options.env, "options.env");
        for (const [k, v] of Object.entries(options.env)) if (v !== undefined) env.push([String(k), String(v)]);
      }
      let preopens = [];
      if (options.preopens !== undefined) {
        validateObject(options.preopens, "options.preopens");
        preopens = preopenList(options.preopens);
      }
      for (const [name, fd] of [["stdin", 0], ["stdout", 1], ["stderr", 2]]) {
        const v = options[name] ?? fd;
        if (!Number.isInteger(v)) throw errors.invalidArgType(`options.${name}`, "number", v);
        if (v !== fd) throw errors.invalidArgValue(`options.${name}`, v, "must be the runtime's own stdio in warren");
      }
      let returnOnExit = true;
      if (options.returnOnExit !== undefined) {
        if (typeof options.returnOnExit !== "boolean") throw errors.invalidArgType("options.returnOnExit", "boolean", options.returnOnExit);
        returnOnExit = options.returnOnExit;
      }
      // Permissions are checked here, in Rust: a refused preopen throws PermissionDenied.
      const handle = core.wasiNew(args, env, preopens);
      this.#handle = handle;
      const imports = {};
      const memory = () => {
        if (this.#memory === undefined) throw new Error("WASI function called before start() or initialize() bound the instance's memory");
        return this.#memory.buffer;
      };
      names.forEach((name, id) => {
        imports[name] = (...a) => core.wasiCall(handle, id, memory(), ...a);
      });
      imports.proc_exit = (code) => {
        code >>>= 0;
        if (!returnOnExit) process.exit(code);
        this.#exitCode = code;
        throw kExit;
      };
      this.wasiImport = imports;
    }

    #bind(instance) {
      if (this.#started) throw errors.makeError(Error, "ERR_WASI_ALREADY_STARTED", "WASI instance has already started");
      validateObject(instance, "instance");
      validateObject(instance.exports, "instance.exports");
      const memory = instance.exports.memory;
      if (!(memory instanceof WebAssembly.Memory)) throw errors.invalidArgType("instance.exports.memory", "WebAssembly.Memory", memory);
      this.#memory = memory;
      this.#instance = instance;
      this.#started = true;
    }

    // A command: exports _start (and no _initialize). Returns the exit status.
    start(instance) {
      this.#bind(instance);
      const { _start, _initialize } = this.#instance.exports;
      if (typeof _start !== "function") throw errors.invalidArgType("instance.exports._start", "function", _start);
      if (_initialize !== undefined) throw errors.invalidArgType("instance.exports._initialize", "undefined", _initialize);
      try {
        _start();
      } catch (e) {
        if (e !== kExit) throw e;
      }
      return this.#exitCode;
    }

    // A reactor: no _start, optionally _initialize.
    initialize(instance) {
      this.#bind(instance);
      const { _start, _initialize } = this.#instance.exports;
      if (_start !== undefined) throw errors.invalidArgType("instance.exports._start", "undefined", _start);
      if (_initialize !== undefined) {
        if (typeof _initialize !== "function") throw errors.invalidArgType("instance.exports._initialize", "function", _initialize);
        _initialize();
      }
    }

    getImportObject() {
      return { wasi_snapshot_preview1: this.wasiImport };
    }
  }

  internals.nodeModules.wasi = { WASI };
})
