// streams.js — owns: ReadableStream, ReadableStreamDefaultReader, ReadableStreamDefaultController,
// CountQueuingStrategy and ByteLengthQueuingStrategy: WHATWG Streams' default (non-byte)
// readable streams, written after the spec's abstract operations (named in comments), with
// tee(), async iteration and ReadableStream.from; pipeTo and pipeThrough load
// writable_streams.js, which has them. Shares on internals: isReadableStream,
// readableStreamFromBytes, readAllBytes (web.js's bodies use them), and `streams`, what
// writable_streams.js needs of a stream and a controller beyond the public API (and the
// argument checks both files make).
(function streams(core, global, internals) {
  "use strict";

  function define(obj, name, value) {
    Object.defineProperty(obj, name, { value, writable: true, enumerable: false, configurable: true });
  }
  function typeError(msg, code) {
    const e = new TypeError(msg);
    if (code) e.code = code;
    return e;
  }
  function invalidState(msg) {
    return typeError(`Invalid state: ${msg}`, "ERR_INVALID_STATE");
  }
  // The stream, controller and reader slots, off the public surface (and out of
  // console.log: defined, not enumerable).
  const S = Symbol("stream"), C = Symbol("controller"), R = Symbol("reader");
  // console.log shows a stream as Node does: `ReadableStream { locked: false, ... }`.
  const inspectCustom = Symbol.for("nodejs.util.inspect.custom");
  function inspectAs(proto, name, fields) {
    define(proto, inspectCustom, function (depth, options, inspect) {
      if (depth < 0) return `[${name}]`;
      const deeper = { ...options, depth: options.depth === null ? null : options.depth - 1 };
      return `${name} ${inspect(fields(this), deeper)}`;
    });
  }
  const markHandled = (p) => { p.then(undefined, () => {}); return p; };

  function extractHighWaterMark(strategy, fallback) {
    const hwm = strategy?.highWaterMark;
    if (hwm === undefined) return fallback;
    const n = Number(hwm);
    if (Number.isNaN(n) || n < 0) {
      throw new RangeError(`The value of "strategy.highWaterMark" is invalid. Received ${hwm}`);
    }
    return n;
  }
  function extractSize(strategy) {
    const size = strategy?.size;
    if (size === undefined) return () => 1;
    if (typeof size !== "function") throw typeError('The "strategy.size" property must be of type function');
    return (chunk) => size(chunk);
  }

  // ---- ReadableStream ---------------------------------------------------------------------
  class ReadableStream {
    constructor(underlyingSource = undefined, strategy = {}) {
      if (underlyingSource === null) throw typeError('The "source" argument must be of type object');
      const source = underlyingSource ?? {};
      define(this, S, { state: "readable", reader: undefined, storedError: undefined, disturbed: false, controller: undefined });
      if (source.type !== undefined) {
        if (`${source.type}` === "bytes") throw typeError("warren's ReadableStream has no byte streams (type: \"bytes\")");
        throw typeError(`The argument 'source.type' is invalid. Received '${source.type}'`, "ERR_INVALID_ARG_VALUE");
      }
      const hwm = extractHighWaterMark(strategy, 1);
      const size = extractSize(strategy);
      const call = (name, ...args) => {
        const f = source[name];
        if (f === undefined) return undefined;
        if (typeof f !== "function") throw typeError(`The "source.${name}" property must be of type function`);
        return f.apply(source, args);
      };
      setUpController(this, source, call, hwm, size);
    }
    get locked() { return isLocked(check(this)); }
    cancel(reason = undefined) {
      try { check(this); } catch (e) { return Promise.reject(e); }
      if (isLocked(this)) return Promise.reject(invalidState("ReadableStream is locked"));
      return streamCancel(this, reason);
    }
    getReader(options = undefined) {
      check(this);
      const mode = options?.mode;
      if (mode !== undefined) {
        if (`${mode}` === "byob") throw typeError("warren's ReadableStream has no byte streams (mode: \"byob\")");
        throw typeError(`The argument 'options.mode' is invalid. Received '${mode}'`, "ERR_INVALID_ARG_VALUE");
      }
      return new ReadableStreamDefaultReader(this);
    }
    tee() {
      check(this);
      return defaultTee(this);
    }
    pipeTo(destination, options = undefined) {
      internals.load("writable_streams");
      return internals.pipeTo(this, destination, options);
    }
    pipeThrough(transform, options = undefined) {
      internals.load("writable_streams");
      return internals.pipeThrough(this, transform, options);
    }
    values(options = undefined) {
      check(this);
      return makeAsyncIterator(this, Boolean(options?.preventCancel));
    }
    [Symbol.asyncIterator](options) { return this.values(options); }
    static from(iterable) {
      if (iterable instanceof ReadableStream) return iterable;
      const method = iterable?.[Symbol.asyncIterator] ?? iterable?.[Symbol.iterator];
      if (typeof method !== "function") throw typeError('The "iterable" argument must be an async iterable or an iterable');
      let iterator = method.call(iterable);
      if (iterable[Symbol.asyncIterator] === undefined) {
        const sync = iterator;
        iterator = {
          async next() { const r = sync.next(); return { done: r.done, value: await r.value }; },
          async return(v) { return typeof sync.return === "function" ? sync.return(v) : { done: true, value: v }; },
        };
      }
      return new ReadableStream({
        async pull(controller) {
          const r = await iterator.next();
          if (typeof r !== "object" || r === null) throw typeError("The iterator's next() result is not an object");
          if (r.done) controller.close();
          else controller.enqueue(r.value);
        },
        async cancel(reason) {
          if (typeof iterator.return === "function") {
            const r = await iterator.return(reason);
            if (typeof r !== "object" || r === null) throw typeError("The iterator's return() result is not an object");
          }
        },
      }, { highWaterMark: 0 });
    }
  }
  Object.defineProperty(ReadableStream.prototype, Symbol.toStringTag, { value: "ReadableStream", configurable: true });
  inspectAs(ReadableStream.prototype, "ReadableStream", (s) => ({ locked: s.locked, state: s[S].state, supportsBYOB: false }));

  function check(stream) {
    if (!(stream instanceof ReadableStream) || stream[S] === undefined) {
      throw typeError('Value of "this" must be of type ReadableStream', "ERR_INVALID_THIS");
    }
    return stream;
  }
  function isLocked(stream) { return stream[S].reader !== undefined; }

  // ReadableStreamCancel
  function streamCancel(stream, reason) {
    const s = stream[S];
    s.disturbed = true;
    if (s.state === "closed") return Promise.resolve(undefined);
    if (s.state === "errored") return Promise.reject(s.storedError);
    streamClose(stream);
    const c = s.controller[C];
    c.queue = []; c.queueTotalSize = 0;
    let result;
    try { result = Promise.resolve(c.cancelAlgorithm(reason)); } catch (e) { result = Promise.reject(e); }
    clearAlgorithms(c);
    return result.then(() => undefined);
  }
  // ReadableStreamClose
  function streamClose(stream) {
    const s = stream[S];
    s.state = "closed";
    const reader = s.reader;
    if (reader === undefined) return;
    const r = reader[R];
    r.resolveClosed(undefined);
    const requests = r.readRequests;
    r.readRequests = [];
    for (const req of requests) req.resolve({ value: undefined, done: true });
  }
  // ReadableStreamError
  function streamError(stream, e) {
    const s = stream[S];
    s.state = "errored";
    s.storedError = e;
    const reader = s.reader;
    if (reader === undefined) return;
    const r = reader[R];
    r.rejectClosed(e);
    const requests = r.readRequests;
    r.readRequests = [];
    for (const req of requests) req.reject(e);
  }

  // ---- ReadableStreamDefaultController ----------------------------------------------------
  class ReadableStreamDefaultController {
    constructor() { throw typeError("Illegal constructor", "ERR_ILLEGAL_CONSTRUCTOR"); }
    get desiredSize() { return desiredSize(ctl(this)); }
    close() {
      const c = ctl(this);
      if (!canCloseOrEnqueue(c)) throw invalidState("Controller is already closed");
      controllerClose(c);
    }
    enqueue(chunk = undefined) {
      const c = ctl(this);
      if (!canCloseOrEnqueue(c)) throw invalidState("Controller is already closed");
      controllerEnqueue(c, chunk);
    }
    error(e = undefined) { controllerError(ctl(this), e); }
  }
  Object.defineProperty(ReadableStreamDefaultController.prototype, Symbol.toStringTag, {
    value: "ReadableStreamDefaultController", configurable: true,
  });
  function ctl(controller) {
    const c = controller?.[C];
    if (c === undefined) throw typeError('Value of "this" must be of type ReadableStreamDefaultController', "ERR_INVALID_THIS");
    return c;
  }

  // SetUpReadableStreamDefaultControllerFromUnderlyingSource
  function setUpController(stream, source, call, hwm, size) {
    const controller = Object.create(ReadableStreamDefaultController.prototype);
    const c = {
      stream, queue: [], queueTotalSize: 0, started: false, closeRequested: false,
      pullAgain: false, pulling: false, hwm, size,
      pullAlgorithm: () => call("pull", controller),
      cancelAlgorithm: (reason) => call("cancel", reason),
      controller,
    };
    define(controller, C, c);
    stream[S].controller = controller;
    const startResult = call("start", controller);
    Promise.resolve(startResult).then(() => {
      c.started = true;
      callPullIfNeeded(c);
    }, (e) => controllerError(c, e));
  }
  function canCloseOrEnqueue(c) { return !c.closeRequested && c.stream[S].state === "readable"; }
  function desiredSize(c) {
    const state = c.stream[S].state;
    if (state === "errored") return null;
    if (state === "closed") return 0;
    return c.hwm - c.queueTotalSize;
  }
  function clearAlgorithms(c) {
    c.pullAlgorithm = () => undefined;
    c.cancelAlgorithm = () => undefined;
    c.size = () => 1;
  }
  // ReadableStreamDefaultControllerShouldCallPull
  function shouldCallPull(c) {
    if (!canCloseOrEnqueue(c) || !c.started) return false;
    const reader = c.stream[S].reader;
    if (reader !== undefined && reader[R].readRequests.length > 0) return true;
    return desiredSize(c) > 0;
  }
  // ReadableStreamDefaultControllerCallPullIfNeeded
  function callPullIfNeeded(c) {
    if (!shouldCallPull(c)) return;
    if (c.pulling) { c.pullAgain = true; return; }
    c.pulling = true;
    let p;
    try { p = Promise.resolve(c.pullAlgorithm()); } catch (e) { p = Promise.reject(e); }
    p.then(() => {
      c.pulling = false;
      if (c.pullAgain) { c.pullAgain = false; callPullIfNeeded(c); }
    }, (e) => controllerError(c, e));
  }
  function controllerClose(c) {
    c.closeRequested = true;
    if (c.queue.length === 0) {
      clearAlgorithms(c);
      streamClose(c.stream);
    }
  }
  function controllerEnqueue(c, chunk) {
    const reader = c.stream[S].reader;
    if (reader !== undefined && reader[R].readRequests.length > 0) {
      reader[R].readRequests.shift().resolve({ value: chunk, done: false });
    } else {
      let n;
      try {
        n = Number(c.size(chunk));
        if (Number.isNaN(n) || n < 0 || n === Infinity) {
          throw new RangeError("The chunk's size must be a finite, non-negative number");
        }
      } catch (e) {
        controllerError(c, e);
        throw e;
      }
      c.queue.push([chunk, n]);
      c.queueTotalSize += n;
    }
    callPullIfNeeded(c);
  }
  function controllerError(c, e) {
    if (c.stream[S].state !== "readable") return;
    c.queue = []; c.queueTotalSize = 0;
    clearAlgorithms(c);
    streamError(c.stream, e);
  }
  // [[PullSteps]]
  function pullSteps(c, request) {
    if (c.queue.length > 0) {
      const [chunk, n] = c.queue.shift();
      c.queueTotalSize = c.queue.length === 0 ? 0 : c.queueTotalSize - n;
      if (c.closeRequested && c.queue.length === 0) {
        clearAlgorithms(c);
        streamClose(c.stream);
      } else {
        callPullIfNeeded(c);
      }
      request.resolve({ value: chunk, done: false });
    } else {
      c.stream[S].reader[R].readRequests.push(request);
      callPullIfNeeded(c);
    }
  }

  // ---- ReadableStreamDefaultReader --------------------------------------------------------
  class ReadableStreamDefaultReader {
    constructor(stream) {
      if (!(stream instanceof ReadableStream)) {
        throw typeError('The "stream" argument must be an instance of ReadableStream', "ERR_INVALID_ARG_TYPE");
      }
      if (isLocked(stream)) throw invalidState("ReadableStream is locked");
      const r = { stream, readRequests: [], closed: undefined, resolveClosed: undefined, rejectClosed: undefined };
      define(this, R, r);
      newClosed(r);
      stream[S].reader = this;
      const state = stream[S].state;
      if (state === "closed") r.resolveClosed(undefined);
      else if (state === "errored") r.rejectClosed(stream[S].storedError);
    }
    get closed() { return rdr(this).closed; }
    read() {
      let r;
      try { r = rdr(this); } catch (e) { return Promise.reject(e); }
      if (r.stream === undefined) return Promise.reject(invalidState("The reader is not attached to a stream"));
      const s = r.stream[S];
      s.disturbed = true;
      if (s.state === "closed") return Promise.resolve({ value: undefined, done: true });
      if (s.state === "errored") return Promise.reject(s.storedError);
      return new Promise((resolve, reject) => pullSteps(s.controller[C], { resolve, reject }));
    }
    releaseLock() {
      const r = rdr(this);
      if (r.stream === undefined) return;
      // ReadableStreamDefaultReaderRelease
      const e = typeError("Invalid state: Releasing reader", "ERR_INVALID_STATE");
      if (r.stream[S].state === "readable") r.rejectClosed(e);
      else { newClosed(r); r.rejectClosed(e); }
      const requests = r.readRequests;
      r.readRequests = [];
      for (const req of requests) req.reject(e);
      r.stream[S].reader = undefined;
      r.stream = undefined;
    }
    cancel(reason = undefined) {
      let r;
      try { r = rdr(this); } catch (e) { return Promise.reject(e); }
      if (r.stream === undefined) return Promise.reject(invalidState("The reader is not attached to a stream"));
      return streamCancel(r.stream, reason);
    }
  }
  Object.defineProperty(ReadableStreamDefaultReader.prototype, Symbol.toStringTag, {
    value: "ReadableStreamDefaultReader", configurable: true,
  });
  function rdr(reader) {
    const r = reader?.[R];
    if (r === undefined) throw typeError('Value of "this" must be of type ReadableStreamDefaultReader', "ERR_INVALID_THIS");
    return r;
  }
  function newClosed(r) {
    r.closed = markHandled(new Promise((resolve, reject) => {
      r.resolveClosed = resolve;
      r.rejectClosed = reject;
    }));
  }

  // ---- async iteration --------------------------------------------------------------------
  const AsyncIteratorPrototype = Object.getPrototypeOf(Object.getPrototypeOf(async function* () {}).prototype);
  function makeAsyncIterator(stream, preventCancel) {
    const reader = new ReadableStreamDefaultReader(stream);
    let done = false;
    let ongoing = Promise.resolve();
    const it = Object.create(AsyncIteratorPrototype);
    const nextSteps = async () => {
      if (done) return { value: undefined, done: true };
      let result;
      try {
        result = await reader.read();
      } catch (e) {
        done = true;
        reader.releaseLock();
        throw e;
      }
      if (result.done) {
        done = true;
        reader.releaseLock();
        return { value: undefined, done: true };
      }
      return { value: result.value, done: false };
    };
    const returnSteps = async (value) => {
      if (done) return { value, done: true };
      done = true;
      if (!preventCancel) {
        const p = reader.cancel(value);
        reader.releaseLock();
        await p;
      } else {
        reader.releaseLock();
      }
      return { value, done: true };
    };
    define(it, "next", function next() {
      ongoing = ongoing.then(nextSteps, nextSteps);
      return ongoing;
    });
    define(it, "return", function (value) {
      ongoing = ongoing.then(() => returnSteps(value), () => returnSteps(value));
      return ongoing;
    });
    return it;
  }

  // ---- tee: ReadableStreamDefaultTee --------------------------------------------------------
  function defaultTee(stream) {
    const reader = new ReadableStreamDefaultReader(stream);
    let reading = false, readAgain = false, canceled1 = false, canceled2 = false;
    let reason1, reason2, branch1, branch2, resolveCancel;
    const cancelPromise = new Promise((resolve) => { resolveCancel = resolve; });
    function pull() {
      if (reading) { readAgain = true; return Promise.resolve(); }
      reading = true;
      reader.read().then(({ value, done }) => {
        if (done) {
          reading = false;
          if (!canceled1) branch1[S].controller.close();
          if (!canceled2) branch2[S].controller.close();
          if (!canceled1 || !canceled2) resolveCancel(undefined);
          return;
        }
        queueMicrotask(() => {
          readAgain = false;
          if (!canceled1) controllerEnqueue(branch1[S].controller[C], value);
          if (!canceled2) controllerEnqueue(branch2[S].controller[C], value);
          reading = false;
          if (readAgain) pull();
        });
      }, () => { reading = false; });
      return Promise.resolve();
    }
    function cancelBoth(first, reason) {
      if (first) { canceled1 = true; reason1 = reason; } else { canceled2 = true; reason2 = reason; }
      if (canceled1 && canceled2) resolveCancel(streamCancel(stream, [reason1, reason2]));
      return cancelPromise;
    }
    branch1 = new ReadableStream({ pull, cancel: (r) => cancelBoth(true, r) });
    branch2 = new ReadableStream({ pull, cancel: (r) => cancelBoth(false, r) });
    reader.closed.then(undefined, (e) => {
      controllerError(branch1[S].controller[C], e);
      controllerError(branch2[S].controller[C], e);
      if (!canceled1 || !canceled2) resolveCancel(undefined);
    });
    return [branch1, branch2];
  }

  // ---- queuing strategies -----------------------------------------------------------------
  const byteLengthSize = function size(chunk) { return chunk.byteLength; };
  const countSize = function size() { return 1; };
  class ByteLengthQueuingStrategy {
    #hwm;
    constructor(init) {
      if (init === null || typeof init !== "object") throw typeError('The "init" argument must be of type object');
      if (init.highWaterMark === undefined) throw typeError('The "init.highWaterMark" property is required');
      this.#hwm = Number(init.highWaterMark);
    }
    get highWaterMark() { return this.#hwm; }
    get size() { return byteLengthSize; }
  }
  class CountQueuingStrategy {
    #hwm;
    constructor(init) {
      if (init === null || typeof init !== "object") throw typeError('The "init" argument must be of type object');
      if (init.highWaterMark === undefined) throw typeError('The "init.highWaterMark" property is required');
      this.#hwm = Number(init.highWaterMark);
    }
    get highWaterMark() { return this.#hwm; }
    get size() { return countSize; }
  }
  Object.defineProperty(ByteLengthQueuingStrategy.prototype, Symbol.toStringTag, { value: "ByteLengthQueuingStrategy", configurable: true });
  Object.defineProperty(CountQueuingStrategy.prototype, Symbol.toStringTag, { value: "CountQueuingStrategy", configurable: true });

  // ---- for web.js ---------------------------------------------------------------------------
  internals.isReadableStream = (v) => v instanceof ReadableStream && v[S] !== undefined;
  internals.isDisturbed = (stream) => stream[S].disturbed;
  internals.streams = {
    isReadableStream: internals.isReadableStream, define, inspectAs,
    typeError, invalidState, extractHighWaterMark, extractSize,
    // The state ("readable", "closed", "errored"), storedError and disturbed flag.
    slot: (stream) => stream[S],
    // ReadableStreamDefaultControllerCanCloseOrEnqueue and HasBackpressure, of a
    // ReadableStreamDefaultController.
    canCloseOrEnqueue: (controller) => canCloseOrEnqueue(controller[C]),
    hasBackpressure: (controller) => !shouldCallPull(controller[C]),
  };
  // A stream of one chunk (a copy is not made: the caller owns `bytes`).
  internals.readableStreamFromBytes = (bytes) => new ReadableStream({
    pull(controller) {
      if (bytes.length > 0) controller.enqueue(bytes);
      controller.close();
    },
  }, { highWaterMark: 0 });
  // Reads a stream to its end as one Uint8Array; chunks must be ArrayBuffer views.
  internals.readAllBytes = async (stream) => {
    const reader = new ReadableStreamDefaultReader(stream);
    const chunks = [];
    let total = 0;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      if (!ArrayBuffer.isView(value) && !(value instanceof ArrayBuffer)) {
        reader.releaseLock();
        throw typeError("Received non-Uint8Array chunk");
      }
      const u8 = value instanceof Uint8Array ? value : ArrayBuffer.isView(value)
        ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength) : new Uint8Array(value);
      chunks.push(u8);
      total += u8.length;
    }
    if (chunks.length === 1) return chunks[0];
    const out = new Uint8Array(total);
    let o = 0;
    for (const c of chunks) { out.set(c, o); o += c.length; }
    return out;
  };

  define(global, "ReadableStream", ReadableStream);
  define(global, "ReadableStreamDefaultReader", ReadableStreamDefaultReader);
  define(global, "ReadableStreamDefaultController", ReadableStreamDefaultController);
  define(global, "ByteLengthQueuingStrategy", ByteLengthQueuingStrategy);
  define(global, "CountQueuingStrategy", CountQueuingStrategy);
})
