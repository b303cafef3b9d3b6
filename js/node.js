// node.js — owns: the Node.js compatibility subset: `process`, `global`, setImmediate, the
// CommonJS loader (require, module.exports, createRequire) and the built-in modules node:fs,
// node:path, node:url, node:util, node:crypto, node:buffer, node:os, node:events,
// node:module, node:assert, node:process, node:timers (node:wasi is js/node_wasi.js), built
// over Rust ops (`core.*`).
(function node(core, global, internals) {
  "use strict";

  function define(obj, name, value) {
    Object.defineProperty(obj, name, { value, writable: true, enumerable: false, configurable: true });
  }
  function nodeError(Ctor, code, message) {
    const e = new Ctor(message);
    e.code = code;
    return e;
  }
  function argType(name, expected, value) {
    const got = value === null ? "null" : typeof value === "object" ? `an instance of ${value?.constructor?.name ?? "Object"}` : `type ${typeof value} (${internals.inspect(value)})`;
    return nodeError(TypeError, "ERR_INVALID_ARG_TYPE", `The "${name}" argument must be ${expected}. Received ${got}`);
  }

  internals.load("buffer");
  internals.load("node_path");
  internals.load("event");
  const { Buffer } = internals.nodeModules.buffer;
  const path = internals.nodeModules.path;
  const toBuffer = (u8) => Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);

  // ---- events ---------------------------------------------------------------------------
  class EventEmitter {
    constructor() { this._events = Object.create(null); this._maxListeners = undefined; }
    _list(name) { return (this._events ??= Object.create(null))[name] ??= []; }
    on(name, fn) {
      if (typeof fn !== "function") throw argType("listener", "of type function", fn);
      if (name !== "newListener" && this._events?.newListener) this.emit("newListener", name, fn);
      this._list(name).push(fn);
      return this;
    }
    addListener(name, fn) { return this.on(name, fn); }
    prependListener(name, fn) { this._list(name).unshift(fn); return this; }
    once(name, fn) {
      const wrapper = (...args) => { this.off(name, wrapper); return fn.apply(this, args); };
      wrapper.listener = fn;
      return this.on(name, wrapper);
    }
    prependOnceListener(name, fn) {
      const wrapper = (...args) => { this.off(name, wrapper); return fn.apply(this, args); };
      wrapper.listener = fn;
      return this.prependListener(name, wrapper);
    }
    off(name, fn) {
      const list = this._events?.[name];
      if (!list) return this;
      const i = list.findIndex((l) => l === fn || l.listener === fn);
      if (i >= 0) list.splice(i, 1);
      if (list.length === 0) delete this._events[name];
      return this;
    }
    removeListener(name, fn) { return this.off(name, fn); }
    removeAllListeners(name) {
      if (name === undefined) this._events = Object.create(null);
      else if (this._events) delete this._events[name];
      return this;
    }
    emit(name, ...args) {
      const list = this._events?.[name];
      if (!list || list.length === 0) {
        if (name === "error") throw args[0] instanceof Error ? args[0] : new Error(`Unhandled error. (${internals.inspect(args[0])})`);
        return false;
      }
      for (const fn of [...list]) fn.apply(this, args);
      return true;
    }
    listeners(name) { return (this._events?.[name] ?? []).map((l) => l.listener ?? l); }
    rawListeners(name) { return [...(this._events?.[name] ?? [])]; }
    listenerCount(name) { return this._events?.[name]?.length ?? 0; }
    eventNames() { return Reflect.ownKeys(this._events ?? {}); }
    setMaxListeners(n) { this._maxListeners = n; return this; }
    getMaxListeners() { return this._maxListeners ?? EventEmitter.defaultMaxListeners; }
  }
  EventEmitter.defaultMaxListeners = 10;
  EventEmitter.EventEmitter = EventEmitter;
  EventEmitter.once = (emitter, name) => new Promise((resolve, reject) => {
    emitter.once(name, (...args) => resolve(args));
    if (name !== "error") emitter.once("error", reject);
  });

  // ---- process --------------------------------------------------------------------------
  const argv = core.args();
  // Writes and deletes stay in this process (warren starts no child processes), over the
  // host's environment: `overlay` holds what was set, and null for what was deleted.
  const envTarget = Object.create(null);
  const overlay = new Map();
  const envValue = (key) => (overlay.has(key) ? overlay.get(key) ?? undefined : core.envGet(key));
  const env = new Proxy(envTarget, {
    get(_, key) {
      if (typeof key !== "string") return undefined;
      return envValue(key);
    },
    set(_, key, value) {
      if (typeof key === "string") overlay.set(key, `${value}`);
      return true;
    },
    has(_, key) { return typeof key === "string" && envValue(key) !== undefined; },
    // Listing the environment without --allow-env shows nothing rather than throwing: glue
    // such as Go's wasm_exec_node.js copies process.env wholesale. Reading a variable by
    // name still throws PermissionDenied, naming the flag.
    ownKeys() {
      let host;
      try { host = core.envKeys(); } catch { host = []; }
      const keys = host.filter((k) => !overlay.has(k));
      for (const [k, v] of overlay) if (v !== null) keys.push(k);
      return keys;
    },
    getOwnPropertyDescriptor(_, key) {
      const v = typeof key === "string" ? envValue(key) : undefined;
      return v === undefined ? undefined : { value: v, writable: true, enumerable: true, configurable: true };
    },
    deleteProperty(_, key) {
      if (typeof key === "string") overlay.set(key, null);
      return true;
    },
  });
  const hrtimeBase = core.now();
  function hrtime(prev) {
    const ns = BigInt(Math.round((core.now() - hrtimeBase) * 1e6));
    const now = [Number(ns / 1000000000n), Number(ns % 1000000000n)];
    if (!prev) return now;
    let s = now[0] - prev[0], n = now[1] - prev[1];
    if (n < 0) { s -= 1; n += 1e9; }
    return [s, n];
  }
  hrtime.bigint = () => BigInt(Math.round(core.now() * 1e6));
  function memoryUsage() {
    const [rss, heapTotal, heapUsed, external, arrayBuffers] = core.memoryUsage();
    return { rss, heapTotal, heapUsed, external, arrayBuffers };
  }
  memoryUsage.rss = () => core.memoryUsage()[0];
  let exitCode;
  let exiting = false;
  const process = new EventEmitter();
  function stream(fd) {
    const s = new EventEmitter();
    s.fd = fd;
    s.isTTY = false;
    s.write = (chunk, encoding, cb) => {
      if (typeof encoding === "function") cb = encoding;
      if (typeof chunk === "string" && typeof encoding === "string" && !/^utf-?8$/i.test(encoding)) chunk = Buffer.from(chunk, encoding);
      core.writeStdio(fd, typeof chunk === "string" ? chunk : chunk instanceof Uint8Array ? chunk : `${chunk}`);
      if (typeof cb === "function") queueMicrotask(cb);
      return true;
    };
    s.end = (chunk, encoding, cb) => { if (chunk !== undefined && typeof chunk !== "function") s.write(chunk, encoding); if (typeof cb === "function") queueMicrotask(cb); };
    s.columns = 80;
    return s;
  }
  Object.assign(process, {
    title: "warren",
    version: "v20.20.2",
    versions: { node: "20.20.2", v8: core.v8Version?.() ?? "15.2", warren: "0.1.0", modules: "115" },
    arch: "x64",
    platform: "linux",
    release: { name: "node" },
    argv,
    argv0: argv[0] ?? "warren",
    execArgv: [],
    execPath: argv[0] ?? "warren",
    env,
    pid: 1,
    ppid: 0,
    exit(code) {
      if (code !== undefined) exitCode = code | 0;
      // An `exit` listener that calls process.exit() ends the process there, as in Node,
      // rather than emitting `exit` again.
      if (!exiting) {
        exiting = true;
        process.emit("exit", exitCode ?? 0);
      }
      core.exit(exitCode ?? 0);
    },
    cwd: () => core.cwd(),
    chdir() { throw nodeError(Error, "ERR_UNSUPPORTED", "process.chdir() is not supported"); },
    umask: () => 0o22,
    uptime: () => core.now() / 1000,
    hrtime,
    memoryUsage,
    cpuUsage(previous) {
      const [user, system] = core.cpuUsage();
      const now = { user: Math.round(user), system: Math.round(system) };
      if (previous === undefined) return now;
      if (previous === null || typeof previous !== "object" || typeof previous.user !== "number" || typeof previous.system !== "number") {
        throw argType("prevValue", "of type object with numbers user and system", previous);
      }
      return { user: now.user - previous.user, system: now.system - previous.system };
    },
    nextTick(fn, ...args) {
      if (typeof fn !== "function") throw argType("callback", "of type function", fn);
      queueMicrotask(() => fn(...args));
    },
    emitWarning(warning, type) {
      const msg = warning instanceof Error ? `${warning.name}: ${warning.message}` : `${type ?? "Warning"}: ${warning}`;
      core.writeStdio(2, `(warren) ${msg}\n`);
    },
    stdout: stream(1),
    stderr: stream(2),
    stdin: Object.assign(new EventEmitter(), { fd: 0, isTTY: false }),
    binding(name) { throw nodeError(Error, "ERR_UNSUPPORTED", `process.binding('${name}') is not supported`); },
    features: {},
    config: { variables: {} },
  });
  // The runtime ends a program (src/runtime/program_end.rs) with `beforeExit` while its
  // listeners give the loop more work, then `exit`; true where someone listened.
  internals.emitProcessEvent = (name) => {
    if (name === "exit") {
      if (exiting) return false;
      exiting = true;
    }
    return process.emit(name, exitCode ?? 0);
  };
  // An uncaught exception (from a timer, js/bootstrap.js) or unhandled rejection (the
  // event loop, src/runtime/process_events.rs) goes to the listeners where there are any,
  // as in Node; true where they took it.
  internals.uncaughtException = (err, origin = "uncaughtException") => {
    if (process.listenerCount("uncaughtException") === 0) return false;
    process.emit("uncaughtExceptionMonitor", err, origin);
    process.emit("uncaughtException", err, origin);
    return true;
  };
  internals.unhandledRejection = (reason, promise) => {
    if (process.listenerCount("unhandledRejection") > 0) {
      process.emit("unhandledRejection", reason, promise);
      return true;
    }
    return internals.uncaughtException(reason, "unhandledRejection");
  };
  Object.defineProperty(process, "exitCode", {
    get: () => exitCode,
    set(v) { exitCode = v === undefined ? undefined : v | 0; core.setExitCode(exitCode ?? 0); },
    enumerable: true,
    configurable: true,
  });
  Object.defineProperty(process, Symbol.toStringTag, { value: "process", configurable: true });
  define(global, "process", process);
  define(global, "global", global);
  define(global, "setImmediate", (fn, ...args) => setTimeout(fn, 0, ...args));
  define(global, "clearImmediate", (t) => clearTimeout(t));

  // ---- fs -------------------------------------------------------------------------------
  function toPath(p, name = "path") {
    if (typeof p === "string") return p;
    if (p instanceof URL) return core.fileUrlToPath(p.href);
    if (p instanceof Uint8Array) return new TextDecoder().decode(p);
    throw argType(name, "of type string or an instance of Buffer or URL", p);
  }
  function fsError(e) {
    // Ops throw `Error` with `code` set; shape it like Node's: errno, syscall, path.
    if (e && typeof e.code === "string" && /^E[A-Z]+$/.test(e.code)) {
      const m = /, (\w+) '(.*)'$/.exec(e.message);
      if (m) { e.syscall = m[1]; e.path = m[2]; }
      e.errno = { ENOENT: -2, EACCES: -13, EEXIST: -17, EISDIR: -21, ENOTDIR: -20 }[e.code] ?? -5;
    }
    return e;
  }
  function wrap(f) {
    return function (...args) {
      try { return f.apply(this, args); } catch (e) { throw fsError(e); }
    };
  }
  function encodingOf(options) {
    return typeof options === "string" ? options : options?.encoding ?? null;
  }
  class Stats {
    constructor(a) {
      [this._file, this._dir, this._link, this.size, this.mtimeMs, this.atimeMs, this.ctimeMs,
        this.birthtimeMs, this.mode, this.ino, this.dev, this.nlink, this.uid, this.gid] = a;
      this.mtime = new Date(this.mtimeMs);
      this.atime = new Date(this.atimeMs);
      this.ctime = new Date(this.ctimeMs);
      this.birthtime = new Date(this.birthtimeMs);
      this.blksize = 4096;
      this.blocks = Math.ceil(this.size / 512);
      this.rdev = 0;
    }
    isFile() { return this._file === 1; }
    isDirectory() { return this._dir === 1; }
    isSymbolicLink() { return this._link === 1; }
    isFIFO() { return false; }
    isSocket() { return false; }
    isBlockDevice() { return false; }
    isCharacterDevice() { return false; }
  }
  const readFileSync = wrap((p, options) => {
    if (typeof p === "number") throw nodeError(Error, "ERR_UNSUPPORTED", "file descriptors are not supported");
    const bytes = toBuffer(core.readFile(toPath(p)));
    const enc = encodingOf(options);
    return enc ? bytes.toString(enc) : bytes;
  });
  const writeFileSync = wrap((p, data, options) => {
    const enc = encodingOf(options);
    const bytes = typeof data === "string" ? Buffer.from(data, enc ?? "utf8") : data;
    core.writeFile(toPath(p), bytes, options?.flag === undefined ? "w" : `${options.flag}`);
  });
  const appendFileSync = wrap((p, data, options) => {
    const enc = encodingOf(options);
    core.writeFile(toPath(p), typeof data === "string" ? Buffer.from(data, enc ?? "utf8") : data, options?.flag === undefined ? "a" : `${options.flag}`);
  });
  const statSync = wrap((p, options) => {
    try {
      return new Stats(core.stat(toPath(p), true));
    } catch (e) {
      if (options?.throwIfNoEntry === false && e.code === "ENOENT") return undefined;
      throw e;
    }
  });
  const lstatSync = wrap((p) => new Stats(core.stat(toPath(p), false)));
  const existsSync = (p) => { try { return core.exists(toPath(p)); } catch { return false; } };
  const readdirSync = wrap((p, options) => {
    const entries = core.readDir(toPath(p));
    if (options?.withFileTypes) {
      return entries.map(([name, dir]) => ({ name, parentPath: toPath(p), isDirectory: () => dir, isFile: () => !dir, isSymbolicLink: () => false }));
    }
    return entries.map(([name]) => name);
  });
  const mkdirSync = wrap((p, options) => { core.mkdir(toPath(p), Boolean(options?.recursive)); });
  const rmSync = wrap((p, options) => {
    try { core.remove(toPath(p), Boolean(options?.recursive)); } catch (e) { if (!(options?.force && e.code === "ENOENT")) throw e; }
  });
  const unlinkSync = wrap((p) => core.remove(toPath(p), false));
  const realpathSync = wrap((p) => core.realpath(toPath(p)));
  realpathSync.native = realpathSync;
  const accessSync = wrap((p) => { core.stat(toPath(p), true); });
  // File descriptors: only the standard streams (Go's and Emscripten's glue print through
  // fs.writeSync(1, ...)).
  function stdioFd(fd) {
    if (fd !== 1 && fd !== 2) {
      throw nodeError(Error, "EBADF", `EBADF: bad file descriptor (warren supports fds 1 and 2 only), write`);
    }
    return fd;
  }
  function writeSync(fd, data, offsetOrPosition, lengthOrEncoding) {
    stdioFd(fd);
    if (typeof data === "string") {
      core.writeStdio(fd, data);
      return Buffer.byteLength(data, typeof lengthOrEncoding === "string" ? lengthOrEncoding : "utf8");
    }
    const view = new Uint8Array(data.buffer ?? data, data.byteOffset ?? 0, data.byteLength);
    const offset = typeof offsetOrPosition === "number" ? offsetOrPosition : 0;
    const length = typeof lengthOrEncoding === "number" ? lengthOrEncoding : view.length - offset;
    core.writeStdio(fd, view.subarray(offset, offset + length));
    return length;
  }
  function write(fd, data, ...rest) {
    const cb = rest.pop();
    let n, error = null;
    try { n = writeSync(fd, data, ...rest); } catch (e) { error = e; }
    queueMicrotask(() => (error ? cb(error) : cb(null, n, data)));
  }
  const fstatSync = (fd) => {
    stdioFd(fd);
    return new Stats([0, 0, 0, 0, 0, 0, 0, 0, 0o20620, 0, 0, 1, 0, 0]);
  };

  function callbackify(sync) {
    return (...args) => {
      const cb = args.pop();
      if (typeof cb !== "function") throw argType("cb", "of type function", cb);
      let result, error = null;
      try { result = sync(...args); } catch (e) { error = e; }
      queueMicrotask(() => (error ? cb(error) : cb(null, result)));
    };
  }
  function promisified(sync) {
    return async (...args) => sync(...args);
  }
  const promises = {
    readFile: promisified(readFileSync),
    writeFile: promisified(writeFileSync),
    appendFile: promisified(appendFileSync),
    stat: promisified(statSync),
    lstat: promisified(lstatSync),
    readdir: promisified(readdirSync),
    mkdir: promisified(mkdirSync),
    rm: promisified(rmSync),
    unlink: promisified(unlinkSync),
    realpath: promisified(realpathSync),
    access: promisified(accessSync),
  };
  const fs = {
    readFileSync, writeFileSync, appendFileSync, statSync, lstatSync, existsSync, readdirSync,
    mkdirSync, rmSync, unlinkSync, realpathSync, accessSync, writeSync, write, fstatSync,
    fstat: callbackify(fstatSync),
    fsyncSync: () => {},
    fsync: (fd, cb) => queueMicrotask(() => cb(null)),
    readFile: callbackify(readFileSync),
    writeFile: callbackify(writeFileSync),
    appendFile: callbackify(appendFileSync),
    stat: callbackify(statSync),
    lstat: callbackify(lstatSync),
    readdir: callbackify(readdirSync),
    mkdir: callbackify(mkdirSync),
    rm: callbackify(rmSync),
    unlink: callbackify(unlinkSync),
    realpath: callbackify(realpathSync),
    access: callbackify(accessSync),
    exists: (p, cb) => queueMicrotask(() => cb(existsSync(p))),
    promises,
    // Linux values, as Node reports them (Go's syscall/js reads every O_* flag at start-up).
    constants: {
      F_OK: 0, R_OK: 4, W_OK: 2, X_OK: 1, UV_FS_SYMLINK_DIR: 1, UV_FS_SYMLINK_JUNCTION: 2,
      O_RDONLY: 0, O_WRONLY: 1, O_RDWR: 2, O_CREAT: 64, O_EXCL: 128, O_NOCTTY: 256,
      O_TRUNC: 512, O_APPEND: 1024, O_DIRECTORY: 65536, O_NOATIME: 262144,
      O_NOFOLLOW: 131072, O_SYNC: 1052672, O_DSYNC: 4096, O_DIRECT: 16384, O_NONBLOCK: 2048,
      S_IFMT: 61440, S_IFREG: 32768, S_IFDIR: 16384, S_IFCHR: 8192, S_IFBLK: 24576,
      S_IFIFO: 4096, S_IFLNK: 40960, S_IFSOCK: 49152, S_IRWXU: 448, S_IRUSR: 256,
      S_IWUSR: 128, S_IXUSR: 64, S_IRWXG: 56, S_IRGRP: 32, S_IWGRP: 16, S_IXGRP: 8,
      S_IRWXO: 7, S_IROTH: 4, S_IWOTH: 2, S_IXOTH: 1, COPYFILE_EXCL: 1,
      COPYFILE_FICLONE: 2, COPYFILE_FICLONE_FORCE: 4, UV_FS_COPYFILE_EXCL: 1,
    },
    Stats,
  };

  // ---- url, util, crypto, os, timers, assert --------------------------------------------
  const url = {
    URL: global.URL,
    URLSearchParams: global.URLSearchParams,
    fileURLToPath(u) {
      const href = u instanceof URL ? u.href : typeof u === "string" ? u : null;
      if (href === null) throw argType("path", "of type string or an instance of URL", u);
      return core.fileUrlToPath(href);
    },
    pathToFileURL(p) {
      return new URL(core.pathToFileUrl(path.resolve(`${p}`) + (`${p}`.endsWith("/") ? "/" : "")));
    },
    format(u) { return u instanceof URL ? u.href : `${u?.href ?? u}`; },
    parse(s) {
      try {
        const u = new URL(s);
        return { href: u.href, protocol: u.protocol, host: u.host, hostname: u.hostname, port: u.port || null, pathname: u.pathname, search: u.search || null, query: u.search.slice(1) || null, hash: u.hash || null, path: u.pathname + u.search };
      } catch {
        return { href: s, pathname: s, path: s };
      }
    },
  };

  function promisify(fn) {
    if (typeof fn !== "function") throw argType("original", "of type function", fn);
    if (fn[promisify.custom]) return fn[promisify.custom];
    return function (...args) {
      return new Promise((resolve, reject) => {
        // Node resolves with the callback's first value (its few multi-value callbacks
        // carry their own promisify.custom).
        fn.call(this, ...args, (err, value) => (err ? reject(err) : resolve(value)));
      });
    };
  }
  promisify.custom = Symbol.for("nodejs.util.promisify.custom");
  const types = {
    isPromise: (v) => v instanceof Promise,
    isUint8Array: (v) => v instanceof Uint8Array,
    isTypedArray: (v) => ArrayBuffer.isView(v) && !(v instanceof DataView),
    isArrayBuffer: (v) => v instanceof ArrayBuffer,
    isAnyArrayBuffer: (v) => v instanceof ArrayBuffer || (typeof SharedArrayBuffer !== "undefined" && v instanceof SharedArrayBuffer),
    isDate: (v) => v instanceof Date,
    isRegExp: (v) => v instanceof RegExp,
    isMap: (v) => v instanceof Map,
    isSet: (v) => v instanceof Set,
    isNativeError: (v) => v instanceof Error,
    isAsyncFunction: (v) => typeof v === "function" && v[Symbol.toStringTag] === "AsyncFunction",
    isGeneratorFunction: (v) => typeof v === "function" && /^(async\s*)?function\s*\*/.test(Function.prototype.toString.call(v)),
  };
  const util = {
    inspect: internals.inspect,
    format: internals.format,
    formatWithOptions: internals.formatWithOptions,
    promisify,
    callbackify: (fn) => (...args) => { const cb = args.pop(); fn(...args).then((v) => cb(null, v), (e) => cb(e)); },
    inherits(ctor, superCtor) {
      Object.defineProperty(ctor, "super_", { value: superCtor, writable: true, configurable: true });
      Object.setPrototypeOf(ctor.prototype, superCtor.prototype);
    },
    deprecate: (fn) => fn,
    debuglog: () => () => {},
    isDeepStrictEqual: (a, b) => internals.isDeepEqual(a, b, true),
    types,
    TextEncoder: global.TextEncoder,
    TextDecoder: global.TextDecoder,
    isArray: Array.isArray,
  };

  class Hash {
    #alg; #chunks = [];
    constructor(alg) {
      this.#alg = `${alg}`.toLowerCase();
      if (!["sha1", "sha256", "sha384", "sha512", "sha224", "md5"].includes(this.#alg)) {
        throw new Error(`Digest method not supported`);
      }
    }
    update(data, enc) {
      this.#chunks.push(typeof data === "string" ? Buffer.from(data, enc ?? "utf8") : Buffer.from(data.buffer ?? data, data.byteOffset ?? 0, data.byteLength));
      return this;
    }
    digest(enc) {
      const out = toBuffer(core.hash(this.#alg, Buffer.concat(this.#chunks)));
      return enc && enc !== "buffer" ? out.toString(enc) : out;
    }
    copy() { const h = new Hash(this.#alg); for (const c of this.#chunks) h.update(c); return h; }
  }
  const crypto = {
    createHash: (alg) => new Hash(alg),
    randomFillSync(buf, offset = 0, size) {
      const view = new Uint8Array(buf.buffer ?? buf, (buf.byteOffset ?? 0) + offset, size ?? (buf.byteLength - offset));
      for (let o = 0; o < view.length; o += 65536) core.randomFill(view.subarray(o, o + 65536), false);
      return buf;
    },
    randomBytes(n, callback) {
      if (typeof n !== "number" || !(n >= 0 && n <= 2 ** 31 - 1)) {
        throw typeof n !== "number" ? argType("size", "of type number", n) : nodeError(RangeError, "ERR_OUT_OF_RANGE", `The value of "size" is out of range. It must be >= 0 && <= ${2 ** 31 - 1}. Received ${n}`);
      }
      if (callback !== undefined && typeof callback !== "function") throw argType("callback", "of type function", callback);
      const b = Buffer.alloc(n);
      crypto.randomFillSync(b);
      if (callback === undefined) return b;
      global.setTimeout(() => callback(null, b), 0);
    },
    randomFill(buf, offset, size, callback) {
      if (typeof offset === "function") [callback, offset, size] = [offset, 0, undefined];
      else if (typeof size === "function") [callback, size] = [size, undefined];
      if (typeof callback !== "function") throw argType("callback", "of type function", callback);
      crypto.randomFillSync(buf, offset, size);
      global.setTimeout(() => callback(null, buf), 0);
    },
    randomInt(min, max, callback) {
      if (max === undefined || typeof max === "function") [callback, max, min] = [max, min, 0];
      if (!Number.isSafeInteger(min)) throw argType("min", "a safe integer", min);
      if (!Number.isSafeInteger(max)) throw argType("max", "a safe integer", max);
      if (max <= min) throw nodeError(RangeError, "ERR_OUT_OF_RANGE", `The value of "max" is out of range. It must be greater than the value of "min" (${min}). Received ${max}`);
      const range = max - min;
      if (range > 2 ** 48 - 1) throw nodeError(RangeError, "ERR_OUT_OF_RANGE", `The value of "max - min" is out of range. It must be <= 281474976710655. Received ${range}`);
      // Rejection sampling over 48 random bits: uniform, as Node's.
      const limit = 2 ** 48 - (2 ** 48 % range);
      const six = new Uint8Array(6);
      let x;
      do {
        crypto.randomFillSync(six);
        x = six.reduce((acc, byte) => acc * 256 + byte, 0);
      } while (x >= limit);
      const n = min + (x % range);
      if (callback === undefined) return n;
      if (typeof callback !== "function") throw argType("callback", "of type function", callback);
      global.setTimeout(() => callback(undefined, n), 0);
    },
    randomUUID: () => global.crypto.randomUUID(),
    getRandomValues: (a) => global.crypto.getRandomValues(a),
    webcrypto: global.crypto,
    subtle: global.crypto.subtle,
    getHashes: () => ["md5", "sha1", "sha224", "sha256", "sha384", "sha512"],
  };

  const os = {
    EOL: "\n",
    platform: () => "linux",
    type: () => "Linux",
    arch: () => "x64",
    release: () => "6.0.0",
    endianness: () => "LE",
    tmpdir: () => "/tmp",
    homedir: () => "/",
    hostname: () => "localhost",
    cpus: () => [{ model: "cpu", speed: 0 }, { model: "cpu", speed: 0 }],
    availableParallelism: () => 2,
    totalmem: () => 0,
    freemem: () => 0,
    constants: { signals: {}, errno: {} },
  };

  internals.load("node_assert");
  const assert = internals.nodeModules.assert;

  const timers = {
    setTimeout: global.setTimeout, clearTimeout: global.clearTimeout,
    setInterval: global.setInterval, clearInterval: global.clearInterval,
    setImmediate: global.setImmediate, clearImmediate: global.clearImmediate,
    promises: timersPromises(),
  };
  global.setTimeout[promisify.custom] = timers.promises.setTimeout;
  global.setImmediate[promisify.custom] = timers.promises.setImmediate;

  // node:timers/promises: the promise forms, cancelled by an AbortSignal as Node's are.
  function timersPromises() {
    class AbortError extends Error {
      constructor(cause) {
        super("The operation was aborted", cause === undefined ? undefined : { cause });
        this.code = "ABORT_ERR";
        this.name = "AbortError";
      }
    }
    function options(opts) {
      if (opts === undefined) return {};
      if (opts === null || typeof opts !== "object") throw argType("options", "of type object", opts);
      const { signal, ref } = opts;
      if (signal !== undefined && !(signal instanceof AbortSignal)) throw argType("options.signal", "an instance of AbortSignal", signal);
      if (ref !== undefined && typeof ref !== "boolean") throw argType("options.ref", "of type boolean", ref);
      return { signal, ref };
    }
    function later(start, cancel, value, opts) {
      let signal, ref;
      try {
        ({ signal, ref } = options(opts));
      } catch (e) {
        return Promise.reject(e);
      }
      if (signal?.aborted) return Promise.reject(new AbortError(signal.reason));
      return new Promise((resolve, reject) => {
        const onAbort = () => {
          cancel(handle);
          reject(new AbortError(signal.reason));
        };
        const handle = start(() => {
          signal?.removeEventListener("abort", onAbort);
          resolve(value);
        });
        if (ref === false) handle?.unref?.();
        signal?.addEventListener("abort", onAbort, { once: true });
      });
    }
    const setTimeoutP = (ms, value, opts) => later((f) => global.setTimeout(f, ms), global.clearTimeout, value, opts);
    const setImmediateP = (value, opts) => later((f) => global.setImmediate(f), global.clearImmediate, value, opts);
    async function* setIntervalP(ms, value, opts) {
      const { signal, ref } = options(opts);
      if (signal?.aborted) throw new AbortError(signal.reason);
      let ticks = 0;
      let wake = null;
      const handle = global.setInterval(() => {
        ticks++;
        wake?.();
      }, ms);
      if (ref === false) handle?.unref?.();
      const onAbort = () => wake?.();
      signal?.addEventListener("abort", onAbort, { once: true });
      try {
        while (true) {
          if (ticks === 0 && !signal?.aborted) await new Promise((r) => (wake = r));
          wake = null;
          if (signal?.aborted) throw new AbortError(signal.reason);
          for (; ticks > 0; ticks--) yield value;
        }
      } finally {
        global.clearInterval(handle);
        signal?.removeEventListener("abort", onAbort);
      }
    }
    return {
      setTimeout: setTimeoutP,
      setImmediate: setImmediateP,
      setInterval: setIntervalP,
      scheduler: { wait: (ms, opts) => setTimeoutP(ms, undefined, opts), yield: () => setImmediateP() },
    };
  }

  // ---- CommonJS ---------------------------------------------------------------------------
  const builtinNames = ["fs", "fs/promises", "path", "path/posix", "url", "util", "crypto", "buffer",
    "os", "events", "module", "assert", "assert/strict", "process", "timers", "timers/promises",
    "string_decoder", "perf_hooks", "worker_threads", "child_process", "stream", "tty", "zlib",
    "http", "https", "net", "wasi"];
  const unsupported = new Set(["worker_threads", "child_process", "stream", "tty", "zlib", "http", "https", "net"]);

  function builtin(name) {
    switch (name) {
      case "fs": return fs;
      case "fs/promises": return promises;
      case "path": case "path/posix": return path;
      case "url": return url;
      case "util": return util;
      case "crypto": return crypto;
      case "buffer": return internals.nodeModules.buffer;
      case "os": return os;
      case "events": return EventEmitter;
      case "module": return moduleApi;
      case "assert": return assert;
      case "assert/strict": return assert.strict;
      case "process": return process;
      case "timers": return timers;
      case "timers/promises": return timers.promises;
      case "perf_hooks": return { performance: global.performance };
      case "wasi":
        internals.load("node_wasi");
        return internals.nodeModules.wasi;
      case "string_decoder": return {
        StringDecoder: class StringDecoder {
          #d; constructor(enc = "utf8") { this.#d = new TextDecoder(enc === "utf8" ? "utf-8" : enc); }
          write(b) { return this.#d.decode(b, { stream: true }); }
          end(b) { return this.#d.decode(b ?? new Uint8Array(0)); }
        },
      };
      default:
        if (unsupported.has(name)) {
          throw nodeError(Error, "ERR_UNSUPPORTED", `warren does not implement the Node module "node:${name}"`);
        }
        return undefined;
    }
  }
  function isBuiltin(spec) {
    const name = spec.startsWith("node:") ? spec.slice(5) : spec;
    return builtinNames.includes(name);
  }
  internals.nodeModule = (name) => builtin(name.startsWith("node:") ? name.slice(5) : name);
  internals.isBuiltin = isBuiltin;

  class Module {
    constructor(id = "", parent) {
      this.id = id;
      this.path = path.dirname(id);
      this.exports = {};
      this.filename = id;
      this.loaded = false;
      this.children = [];
      this.paths = [];
      this.parent = parent;
      if (parent) parent.children.push(this);
    }
    require(spec) { return makeRequire(this)(spec); }
  }
  Module._cache = Object.create(null);
  Module._extensions = { ".js": null, ".json": null, ".cjs": null };
  Module.builtinModules = builtinNames;
  Module.isBuiltin = isBuiltin;
  Module.wrap = (src) => `(function (exports, require, module, __filename, __dirname) { ${src}\n});`;

  function resolveFilename(spec, parent) {
    if (typeof spec !== "string") throw argType("id", "of type string", spec);
    if (isBuiltin(spec)) return spec.startsWith("node:") ? spec : `node:${spec}`;
    const dir = parent?.filename ? path.dirname(parent.filename) : core.cwd();
    if (spec.startsWith("file:")) spec = core.fileUrlToPath(spec);
    try {
      return core.resolveCjs(spec, dir);
    } catch (e) {
      const err = new Error(`Cannot find module '${spec}'${parent?.filename ? `\nRequire stack:\n- ${parent.filename}` : ""}`);
      err.code = "MODULE_NOT_FOUND";
      err.requireStack = parent?.filename ? [parent.filename] : [];
      throw err;
    }
  }

  // `source`, when given, is the file's text as the module graph already read it (and
  // checked the read permission for): it is not read a second time.
  function loadModule(filename, parent, source) {
    if (filename.startsWith("node:")) {
      const m = builtin(filename.slice(5));
      if (m === undefined) throw nodeError(Error, "ERR_UNKNOWN_BUILTIN_MODULE", `No such built-in module: ${filename}`);
      return m;
    }
    const cached = Module._cache[filename];
    if (cached) return cached.exports;
    const module = new Module(filename, parent);
    Module._cache[filename] = module;
    let ok = false;
    try {
      if (filename.endsWith(".json")) {
        const text = core.decode(core.readFile(filename), "utf-8", false, false);
        try {
          module.exports = JSON.parse(text);
        } catch (e) {
          e.message = `${filename}: ${e.message}`;
          throw e;
        }
      } else if (filename.endsWith(".wasm")) {
        throw nodeError(Error, "ERR_UNKNOWN_FILE_EXTENSION", `Unknown file extension ".wasm" for ${filename}: import it as an ES module instead`);
      } else if (filename.endsWith(".mjs")) {
        throw nodeError(Error, "ERR_REQUIRE_ESM", `require() of ES Module ${filename} not supported; use import()`);
      } else {
        source ??= core.decode(core.readFile(filename), "utf-8", false, false);
        const fn = core.compileCjs(source, filename);
        const require = makeRequire(module);
        Reflect.apply(fn, module.exports, [module.exports, require, module, filename, path.dirname(filename)]);
      }
      ok = true;
    } finally {
      if (!ok) delete Module._cache[filename];
    }
    module.loaded = true;
    return module.exports;
  }

  function makeRequire(module) {
    const require = (spec) => loadModule(resolveFilename(spec, module), module);
    require.resolve = (spec) => resolveFilename(spec, module);
    require.resolve.paths = () => [];
    require.cache = Module._cache;
    require.main = mainModule;
    require.extensions = Module._extensions;
    return require;
  }
  let mainModule;
  function createRequire(from) {
    const filename = from instanceof URL || `${from}`.startsWith("file:") ? core.fileUrlToPath(`${from}`) : `${from}`;
    const m = new Module(filename.endsWith("/") ? path.join(filename, "noop.js") : filename);
    return makeRequire(m);
  }
  const moduleApi = Module;
  Module.Module = Module;
  Module.createRequire = createRequire;
  Module._resolveFilename = resolveFilename;
  Module._load = (spec, parent) => loadModule(resolveFilename(spec, parent), parent);

  // Runs a CommonJS file for the ES module graph (the main module or an import of one),
  // whose text the graph loader read; returns its `module.exports`.
  internals.requireFile = (filename, isMain, source) => {
    if (isMain && !mainModule) {
      mainModule = new Module(filename);
      mainModule.id = ".";
      Module._cache[filename] = mainModule;
      let ok = false;
      try {
        const fn = core.compileCjs(source, filename);
        Reflect.apply(fn, mainModule.exports, [mainModule.exports, makeRequire(mainModule), mainModule, filename, path.dirname(filename)]);
        ok = true;
      } finally {
        if (!ok) delete Module._cache[filename];
      }
      mainModule.loaded = true;
      return mainModule.exports;
    }
    return loadModule(filename, undefined, source);
  };

  for (const [name, obj] of Object.entries({ fs, url, util, crypto, os, events: EventEmitter, module: Module, assert, process, timers })) {
    internals.nodeModules[name] = obj;
  }
})
