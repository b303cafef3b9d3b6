// writable_streams.js — owns: WritableStream, WritableStreamDefaultWriter,
// WritableStreamDefaultController, TransformStream, TransformStreamDefaultController,
// ReadableStream's pipeTo and pipeThrough (streams.js forwards them here), TextEncoderStream,
// TextDecoderStream, CompressionStream and DecompressionStream (over the Rust codecs of
// src/runtime/compression.rs): WHATWG Streams' writable and transform streams, written after the
// spec's abstract operations (named in comments). The readable side is streams.js's, reached
// through its public API and the few internals it shares.
(function writableStreams(core, global, internals) {
  "use strict";
  internals.load("streams");
  const ReadableStream = global.ReadableStream;
  const readable = internals.streams;
  const { typeError, invalidState, extractHighWaterMark, extractSize, define, inspectAs } = internals.streams;

  const markHandled = (p) => { p.then(undefined, () => {}); return p; };
  const resolved = () => Promise.resolve(undefined);
  // A promise and its settling functions, with whether it has settled.
  function deferred() {
    const d = { settled: false };
    d.promise = new Promise((resolve, reject) => {
      d.resolve = (v) => { d.settled = true; resolve(v); };
      d.reject = (e) => { d.settled = true; reject(e); };
    });
    return d;
  }
  // Calls `f`, a promise of its result either way (a throw is a rejection).
  function promiseCall(f, ...args) {
    try { return Promise.resolve(f(...args)); } catch (e) { return Promise.reject(e); }
  }
  // A method of an underlying sink, source or transformer, checked and bound.
  function method(obj, name, what) {
    const f = obj[name];
    if (f === undefined) return undefined;
    if (typeof f !== "function") throw typeError(`The "${what}.${name}" property must be of type function`, "ERR_INVALID_ARG_TYPE");
    return (...args) => f.apply(obj, args);
  }
  function objectArg(v, name) {
    if (v === undefined) return {};
    if (v === null || (typeof v !== "object" && typeof v !== "function")) {
      throw typeError(`The "${name}" argument must be of type object. Received ${v === null ? "null" : typeof v}`, "ERR_INVALID_ARG_TYPE");
    }
    return v;
  }
  // The stream, controller and writer slots, off the public surface.
  const W = Symbol("writable"), WC = Symbol("writableController"), WR = Symbol("writer");
  const T = Symbol("transform"), TC = Symbol("transformController");
  const closeSentinel = Symbol("close");

  // ---- WritableStream ---------------------------------------------------------------------
  class WritableStream {
    constructor(underlyingSink = undefined, strategy = {}) {
      const sink = objectArg(underlyingSink, "sink");
      if (sink.type !== undefined) throw new RangeError(`The argument 'sink.type' is invalid. Received '${sink.type}'`);
      const hwm = extractHighWaterMark(strategy, 1);
      const size = extractSize(strategy);
      initialize(this);
      const start = method(sink, "start", "sink");
      const write = method(sink, "write", "sink");
      const close = method(sink, "close", "sink");
      const abort = method(sink, "abort", "sink");
      setUpController(this, {
        start: (c) => start?.(c),
        write: write ? (chunk, c) => promiseCall(write, chunk, c) : resolved,
        close: close ? () => promiseCall(close) : resolved,
        abort: abort ? (reason) => promiseCall(abort, reason) : resolved,
      }, hwm, size);
    }
    get locked() { return check(this)[W].writer !== undefined; }
    abort(reason = undefined) {
      try { check(this); } catch (e) { return Promise.reject(e); }
      if (this[W].writer !== undefined) return Promise.reject(invalidState("WritableStream is locked"));
      return streamAbort(this, reason);
    }
    close() {
      try { check(this); } catch (e) { return Promise.reject(e); }
      if (this[W].writer !== undefined) return Promise.reject(invalidState("WritableStream is locked"));
      if (closeQueuedOrInFlight(this)) return Promise.reject(invalidState("WritableStream is closed"));
      return streamClose(this);
    }
    getWriter() { return new WritableStreamDefaultWriter(check(this)); }
  }
  Object.defineProperty(WritableStream.prototype, Symbol.toStringTag, { value: "WritableStream", configurable: true });
  inspectAs(WritableStream.prototype, "WritableStream", (s) => ({ locked: s.locked, state: s[W].state }));

  function check(stream) {
    if (!(stream instanceof WritableStream) || stream[W] === undefined) {
      throw typeError('Value of "this" must be of type WritableStream', "ERR_INVALID_THIS");
    }
    return stream;
  }
  const isWritableStream = (v) => v instanceof WritableStream && v[W] !== undefined;

  // InitializeWritableStream
  function initialize(stream) {
    define(stream, W, {
      state: "writable", storedError: undefined, writer: undefined, controller: undefined,
      inFlightWriteRequest: undefined, closeRequest: undefined, inFlightCloseRequest: undefined,
      pendingAbortRequest: undefined, writeRequests: [], backpressure: false,
    });
  }
  // CreateWritableStream: one whose sink is algorithms of warren's own.
  function createWritable(algorithms, hwm, size) {
    const stream = Object.create(WritableStream.prototype);
    initialize(stream);
    setUpController(stream, algorithms, hwm, size);
    return stream;
  }

  // WritableStreamAbort
  function streamAbort(stream, reason) {
    const s = stream[W];
    if (s.state === "closed" || s.state === "errored") return resolved();
    signalAbort(s.controller[WC], reason);
    const state = s.state;
    if (state === "closed" || state === "errored") return resolved();
    if (s.pendingAbortRequest !== undefined) return s.pendingAbortRequest.promise;
    let wasAlreadyErroring = false;
    if (state === "erroring") {
      wasAlreadyErroring = true;
      reason = undefined;
    }
    const d = deferred();
    d.reason = reason;
    d.wasAlreadyErroring = wasAlreadyErroring;
    s.pendingAbortRequest = d;
    if (!wasAlreadyErroring) startErroring(stream, reason);
    return d.promise;
  }
  // WritableStreamClose
  function streamClose(stream) {
    const s = stream[W];
    if (s.state === "closed" || s.state === "errored") {
      return Promise.reject(invalidState(`WritableStream is ${s.state === "closed" ? "closed" : "errored"}`));
    }
    const d = deferred();
    s.closeRequest = d;
    const writer = s.writer;
    if (writer !== undefined && s.backpressure && s.state === "writable") writer[WR].ready.resolve(undefined);
    // WritableStreamDefaultControllerClose
    const c = s.controller[WC];
    enqueueValueWithSize(c, closeSentinel, 0);
    advanceQueueIfNeeded(c);
    return d.promise;
  }
  // WritableStreamAddWriteRequest
  function addWriteRequest(stream) {
    const d = deferred();
    stream[W].writeRequests.push(d);
    return d.promise;
  }
  // WritableStreamDealWithRejection
  function dealWithRejection(stream, error) {
    if (stream[W].state === "writable") {
      startErroring(stream, error);
      return;
    }
    finishErroring(stream);
  }
  // WritableStreamStartErroring
  function startErroring(stream, reason) {
    const s = stream[W];
    const c = s.controller[WC];
    s.state = "erroring";
    s.storedError = reason;
    if (s.writer !== undefined) ensureReadyRejected(s.writer[WR], reason);
    if (!hasOperationMarkedInFlight(stream) && c.started) finishErroring(stream);
  }
  // WritableStreamFinishErroring
  function finishErroring(stream) {
    const s = stream[W];
    s.state = "errored";
    const c = s.controller[WC];
    // [[ErrorSteps]]
    c.queue = []; c.queueTotalSize = 0;
    const storedError = s.storedError;
    const requests = s.writeRequests;
    s.writeRequests = [];
    for (const r of requests) r.reject(storedError);
    const abortRequest = s.pendingAbortRequest;
    if (abortRequest === undefined) {
      rejectCloseAndClosedIfNeeded(stream);
      return;
    }
    s.pendingAbortRequest = undefined;
    if (abortRequest.wasAlreadyErroring) {
      abortRequest.reject(storedError);
      rejectCloseAndClosedIfNeeded(stream);
      return;
    }
    // [[AbortSteps]]
    const result = c.abort(abortRequest.reason);
    clearAlgorithms(c);
    result.then(() => {
      abortRequest.resolve(undefined);
      rejectCloseAndClosedIfNeeded(stream);
    }, (reason) => {
      abortRequest.reject(reason);
      rejectCloseAndClosedIfNeeded(stream);
    });
  }
  // WritableStreamFinishInFlightWrite(WithError)
  function finishInFlightWrite(stream) {
    stream[W].inFlightWriteRequest.resolve(undefined);
    stream[W].inFlightWriteRequest = undefined;
  }
  function finishInFlightWriteWithError(stream, error) {
    stream[W].inFlightWriteRequest.reject(error);
    stream[W].inFlightWriteRequest = undefined;
    dealWithRejection(stream, error);
  }
  // WritableStreamFinishInFlightClose(WithError)
  function finishInFlightClose(stream) {
    const s = stream[W];
    s.inFlightCloseRequest.resolve(undefined);
    s.inFlightCloseRequest = undefined;
    if (s.state === "erroring") {
      s.storedError = undefined;
      if (s.pendingAbortRequest !== undefined) {
        s.pendingAbortRequest.resolve(undefined);
        s.pendingAbortRequest = undefined;
      }
    }
    s.state = "closed";
    if (s.writer !== undefined) s.writer[WR].closed.resolve(undefined);
  }
  function finishInFlightCloseWithError(stream, error) {
    const s = stream[W];
    s.inFlightCloseRequest.reject(error);
    s.inFlightCloseRequest = undefined;
    if (s.pendingAbortRequest !== undefined) {
      s.pendingAbortRequest.reject(error);
      s.pendingAbortRequest = undefined;
    }
    dealWithRejection(stream, error);
  }
  // WritableStreamCloseQueuedOrInFlight, WritableStreamHasOperationMarkedInFlight
  function closeQueuedOrInFlight(stream) {
    return stream[W].closeRequest !== undefined || stream[W].inFlightCloseRequest !== undefined;
  }
  function hasOperationMarkedInFlight(stream) {
    return stream[W].inFlightWriteRequest !== undefined || stream[W].inFlightCloseRequest !== undefined;
  }
  // WritableStreamRejectCloseAndClosedPromiseIfNeeded
  function rejectCloseAndClosedIfNeeded(stream) {
    const s = stream[W];
    if (s.closeRequest !== undefined) {
      s.closeRequest.reject(s.storedError);
      s.closeRequest = undefined;
    }
    if (s.writer !== undefined) {
      const w = s.writer[WR];
      w.closed.reject(s.storedError);
      markHandled(w.closed.promise);
    }
  }
  // WritableStreamUpdateBackpressure
  function updateBackpressure(stream, backpressure) {
    const s = stream[W];
    if (s.writer !== undefined && backpressure !== s.backpressure) {
      const w = s.writer[WR];
      if (backpressure) w.ready = deferred();
      else w.ready.resolve(undefined);
    }
    s.backpressure = backpressure;
  }

  // ---- WritableStreamDefaultWriter --------------------------------------------------------
  class WritableStreamDefaultWriter {
    constructor(stream) {
      if (!isWritableStream(stream)) {
        throw typeError('The "stream" argument must be an instance of WritableStream', "ERR_INVALID_ARG_TYPE");
      }
      const s = stream[W];
      if (s.writer !== undefined) throw invalidState("WritableStream is locked");
      const w = { stream, ready: deferred(), closed: deferred() };
      define(this, WR, w);
      s.writer = this;
      // SetUpWritableStreamDefaultWriter
      if (s.state === "writable") {
        if (closeQueuedOrInFlight(stream) || !s.backpressure) w.ready.resolve(undefined);
      } else if (s.state === "erroring") {
        w.ready.reject(s.storedError);
        markHandled(w.ready.promise);
      } else if (s.state === "closed") {
        w.ready.resolve(undefined);
        w.closed.resolve(undefined);
      } else {
        w.ready.reject(s.storedError);
        markHandled(w.ready.promise);
        w.closed.reject(s.storedError);
        markHandled(w.closed.promise);
      }
    }
    get closed() {
      try { return wtr(this).closed.promise; } catch (e) { return Promise.reject(e); }
    }
    get ready() {
      try { return wtr(this).ready.promise; } catch (e) { return Promise.reject(e); }
    }
    get desiredSize() {
      const w = wtr(this);
      if (w.stream === undefined) throw invalidState("The writer is not attached to a stream");
      return writerDesiredSize(w.stream);
    }
    abort(reason = undefined) {
      let w;
      try { w = wtr(this); } catch (e) { return Promise.reject(e); }
      if (w.stream === undefined) return Promise.reject(invalidState("The writer is not attached to a stream"));
      return streamAbort(w.stream, reason);
    }
    close() {
      let w;
      try { w = wtr(this); } catch (e) { return Promise.reject(e); }
      if (w.stream === undefined) return Promise.reject(invalidState("The writer is not attached to a stream"));
      if (closeQueuedOrInFlight(w.stream)) return Promise.reject(invalidState("WritableStream is closing"));
      return streamClose(w.stream);
    }
    releaseLock() {
      const w = wtr(this);
      if (w.stream === undefined) return;
      writerRelease(this);
    }
    write(chunk = undefined) {
      let w;
      try { w = wtr(this); } catch (e) { return Promise.reject(e); }
      if (w.stream === undefined) return Promise.reject(invalidState("The writer is not attached to a stream"));
      return writerWrite(this, chunk);
    }
  }
  Object.defineProperty(WritableStreamDefaultWriter.prototype, Symbol.toStringTag, {
    value: "WritableStreamDefaultWriter", configurable: true,
  });
  function wtr(writer) {
    const w = writer?.[WR];
    if (w === undefined) throw typeError('Value of "this" must be of type WritableStreamDefaultWriter', "ERR_INVALID_THIS");
    return w;
  }
  // WritableStreamDefaultWriterGetDesiredSize
  function writerDesiredSize(stream) {
    const s = stream[W];
    if (s.state === "errored" || s.state === "erroring") return null;
    if (s.state === "closed") return 0;
    const c = s.controller[WC];
    return c.hwm - c.queueTotalSize;
  }
  // WritableStreamDefaultWriterEnsureReadyPromiseRejected (and the closed promise's)
  function ensureReadyRejected(w, error) {
    if (w.ready.settled) w.ready = deferred();
    w.ready.reject(error);
    markHandled(w.ready.promise);
  }
  function ensureClosedRejected(w, error) {
    if (w.closed.settled) w.closed = deferred();
    w.closed.reject(error);
    markHandled(w.closed.promise);
  }
  // WritableStreamDefaultWriterRelease
  function writerRelease(writer) {
    const w = writer[WR];
    const released = invalidState("Writer was released");
    ensureReadyRejected(w, released);
    ensureClosedRejected(w, released);
    w.stream[W].writer = undefined;
    w.stream = undefined;
  }
  // WritableStreamDefaultWriterWrite
  function writerWrite(writer, chunk) {
    const w = writer[WR];
    const stream = w.stream;
    const c = stream[W].controller[WC];
    const chunkSize = chunkSizeOf(c, chunk);
    if (stream !== w.stream) return Promise.reject(invalidState("The writer is not attached to a stream"));
    const s = stream[W];
    if (s.state === "errored") return Promise.reject(s.storedError);
    if (closeQueuedOrInFlight(stream) || s.state === "closed") {
      return Promise.reject(invalidState("WritableStream is closed"));
    }
    if (s.state === "erroring") return Promise.reject(s.storedError);
    const promise = addWriteRequest(stream);
    controllerWrite(c, chunk, chunkSize);
    return promise;
  }
  // WritableStreamDefaultWriterCloseWithErrorPropagation
  function writerCloseWithErrorPropagation(writer) {
    const stream = writer[WR].stream;
    const s = stream[W];
    if (closeQueuedOrInFlight(stream) || s.state === "closed") return resolved();
    if (s.state === "errored") return Promise.reject(s.storedError);
    return streamClose(stream);
  }

  // ---- WritableStreamDefaultController ----------------------------------------------------
  class WritableStreamDefaultController {
    constructor() { throw typeError("Illegal constructor", "ERR_ILLEGAL_CONSTRUCTOR"); }
    // Aborted when the stream is: a sink can stop a write in flight.
    get signal() {
      const c = wctl(this);
      if (c.abortController === undefined) {
        c.abortController = new global.AbortController();
        if (c.aborted) c.abortController.abort(c.abortReason);
      }
      return c.abortController.signal;
    }
    error(e = undefined) {
      const c = wctl(this);
      if (c.stream[W].state !== "writable") return;
      controllerError(c, e);
    }
  }
  Object.defineProperty(WritableStreamDefaultController.prototype, Symbol.toStringTag, {
    value: "WritableStreamDefaultController", configurable: true,
  });
  function wctl(controller) {
    const c = controller?.[WC];
    if (c === undefined) throw typeError('Value of "this" must be of type WritableStreamDefaultController', "ERR_INVALID_THIS");
    return c;
  }
  // The abort signal is made when first asked for; until then the reason is kept.
  function signalAbort(c, reason) {
    if (c.aborted) return;
    c.aborted = true;
    c.abortReason = reason;
    c.abortController?.abort(reason);
  }

  // SetUpWritableStreamDefaultController
  function setUpController(stream, algorithms, hwm, size) {
    const controller = Object.create(WritableStreamDefaultController.prototype);
    const c = {
      stream, controller, queue: [], queueTotalSize: 0, started: false, hwm, size,
      write: algorithms.write, close: algorithms.close, abort: algorithms.abort,
      abortController: undefined, aborted: false, abortReason: undefined,
    };
    define(controller, WC, c);
    stream[W].controller = controller;
    updateBackpressure(stream, backpressureOf(c));
    const startResult = algorithms.start(controller);
    Promise.resolve(startResult).then(() => {
      c.started = true;
      advanceQueueIfNeeded(c);
    }, (r) => {
      c.started = true;
      dealWithRejection(stream, r);
    });
  }
  // WritableStreamDefaultControllerGetBackpressure
  const backpressureOf = (c) => c.hwm - c.queueTotalSize <= 0;
  // WritableStreamDefaultControllerClearAlgorithms
  function clearAlgorithms(c) {
    c.write = resolved;
    c.close = resolved;
    c.abort = resolved;
    c.size = () => 1;
  }
  // EnqueueValueWithSize
  function enqueueValueWithSize(c, value, size) {
    const n = Number(size);
    if (Number.isNaN(n) || n < 0 || n === Infinity) {
      throw new RangeError("The chunk's size must be a finite, non-negative number");
    }
    c.queue.push([value, n]);
    c.queueTotalSize += n;
  }
  function dequeueValue(c) {
    const [value, n] = c.queue.shift();
    c.queueTotalSize = c.queue.length === 0 ? 0 : Math.max(0, c.queueTotalSize - n);
    return value;
  }
  // WritableStreamDefaultControllerGetChunkSize
  function chunkSizeOf(c, chunk) {
    try {
      return c.size(chunk);
    } catch (e) {
      errorIfNeeded(c, e);
      return 1;
    }
  }
  // WritableStreamDefaultControllerWrite
  function controllerWrite(c, chunk, chunkSize) {
    try {
      enqueueValueWithSize(c, chunk, chunkSize);
    } catch (e) {
      errorIfNeeded(c, e);
      return;
    }
    const stream = c.stream;
    if (!closeQueuedOrInFlight(stream) && stream[W].state === "writable") {
      updateBackpressure(stream, backpressureOf(c));
    }
    advanceQueueIfNeeded(c);
  }
  // WritableStreamDefaultControllerAdvanceQueueIfNeeded
  function advanceQueueIfNeeded(c) {
    const stream = c.stream;
    const s = stream[W];
    if (!c.started || s.inFlightWriteRequest !== undefined) return;
    if (s.state === "erroring") {
      finishErroring(stream);
      return;
    }
    if (c.queue.length === 0) return;
    const value = c.queue[0][0];
    if (value === closeSentinel) processClose(c);
    else processWrite(c, value);
  }
  // WritableStreamDefaultControllerErrorIfNeeded, WritableStreamDefaultControllerError
  function errorIfNeeded(c, error) {
    if (c.stream[W].state === "writable") controllerError(c, error);
  }
  function controllerError(c, error) {
    clearAlgorithms(c);
    startErroring(c.stream, error);
  }
  // WritableStreamDefaultControllerProcessClose
  function processClose(c) {
    const stream = c.stream;
    const s = stream[W];
    s.inFlightCloseRequest = s.closeRequest;
    s.closeRequest = undefined;
    dequeueValue(c);
    const sinkClose = c.close();
    clearAlgorithms(c);
    sinkClose.then(() => finishInFlightClose(stream), (r) => finishInFlightCloseWithError(stream, r));
  }
  // WritableStreamDefaultControllerProcessWrite
  function processWrite(c, chunk) {
    const stream = c.stream;
    const s = stream[W];
    s.inFlightWriteRequest = s.writeRequests.shift();
    c.write(chunk, c.controller).then(() => {
      finishInFlightWrite(stream);
      dequeueValue(c);
      if (!closeQueuedOrInFlight(stream) && s.state === "writable") {
        updateBackpressure(stream, backpressureOf(c));
      }
      advanceQueueIfNeeded(c);
    }, (reason) => {
      if (s.state === "writable") clearAlgorithms(c);
      finishInFlightWriteWithError(stream, reason);
    });
  }

  // ---- TransformStream --------------------------------------------------------------------
  class TransformStream {
    constructor(transformer = undefined, writableStrategy = {}, readableStrategy = {}) {
      const t = objectArg(transformer, "transformer");
      if (t.readableType !== undefined) throw new RangeError(`The argument 'transformer.readableType' is invalid. Received '${t.readableType}'`);
      if (t.writableType !== undefined) throw new RangeError(`The argument 'transformer.writableType' is invalid. Received '${t.writableType}'`);
      const readableHwm = extractHighWaterMark(readableStrategy, 0);
      const readableSize = extractSize(readableStrategy);
      const writableHwm = extractHighWaterMark(writableStrategy, 1);
      const writableSize = extractSize(writableStrategy);
      const start = method(t, "start", "transformer");
      const transform = method(t, "transform", "transformer");
      const flush = method(t, "flush", "transformer");
      const cancel = method(t, "cancel", "transformer");
      const startPromise = deferred();
      initializeTransform(this, startPromise.promise, writableHwm, writableSize, readableHwm, readableSize);
      // SetUpTransformStreamDefaultControllerFromTransformer
      const controller = Object.create(TransformStreamDefaultController.prototype);
      const c = {
        stream: this, controller, finishPromise: undefined,
        transform: transform ? (chunk) => promiseCall(transform, chunk, controller) : (chunk) => {
          try {
            enqueueTransformed(c, chunk);
            return resolved();
          } catch (e) {
            return Promise.reject(e);
          }
        },
        flush: flush ? () => promiseCall(flush, controller) : resolved,
        cancel: cancel ? (reason) => promiseCall(cancel, reason) : resolved,
      };
      define(controller, TC, c);
      this[T].controller = c;
      try {
        startPromise.resolve(start?.(controller));
      } catch (e) {
        startPromise.reject(e);
        throw e;
      }
    }
    get readable() { return tcheck(this)[T].readable; }
    get writable() { return tcheck(this)[T].writable; }
  }
  Object.defineProperty(TransformStream.prototype, Symbol.toStringTag, { value: "TransformStream", configurable: true });
  inspectAs(TransformStream.prototype, "TransformStream", (t) => ({
    readable: t.readable, writable: t.writable, backpressure: t[T].backpressure,
  }));
  function tcheck(stream) {
    if (!(stream instanceof TransformStream) || stream[T] === undefined) {
      throw typeError('Value of "this" must be of type TransformStream', "ERR_INVALID_THIS");
    }
    return stream;
  }

  // InitializeTransformStream
  function initializeTransform(stream, startPromise, writableHwm, writableSize, readableHwm, readableSize) {
    const t = {
      readable: undefined, readableController: undefined, writable: undefined,
      backpressure: undefined, backpressureChange: undefined, controller: undefined,
    };
    define(stream, T, t);
    t.writable = createWritable({
      start: () => startPromise,
      write: (chunk) => sinkWrite(stream, chunk),
      close: () => sinkClose(stream),
      abort: (reason) => sinkAbort(stream, reason),
    }, writableHwm, writableSize);
    t.readable = new ReadableStream({
      start: (controller) => { t.readableController = controller; return startPromise; },
      pull: () => sourcePull(stream),
      cancel: (reason) => sourceCancel(stream, reason),
    }, { highWaterMark: readableHwm, size: readableSize });
    setBackpressure(stream, true);
  }
  // TransformStreamError, TransformStreamErrorWritableAndUnblockWrite, TransformStreamUnblockWrite
  function transformError(stream, e) {
    stream[T].readableController.error(e);
    errorWritableAndUnblockWrite(stream, e);
  }
  function errorWritableAndUnblockWrite(stream, e) {
    clearTransformAlgorithms(stream[T].controller);
    errorIfNeeded(stream[T].writable[W].controller[WC], e);
    unblockWrite(stream);
  }
  function unblockWrite(stream) {
    if (stream[T].backpressure) setBackpressure(stream, false);
  }
  // TransformStreamSetBackpressure
  function setBackpressure(stream, backpressure) {
    const t = stream[T];
    t.backpressureChange?.resolve(undefined);
    t.backpressureChange = deferred();
    t.backpressure = backpressure;
  }
  // TransformStreamDefaultControllerClearAlgorithms
  function clearTransformAlgorithms(c) {
    c.transform = resolved;
    c.flush = resolved;
    c.cancel = resolved;
  }

  // ---- TransformStreamDefaultController ---------------------------------------------------
  class TransformStreamDefaultController {
    constructor() { throw typeError("Illegal constructor", "ERR_ILLEGAL_CONSTRUCTOR"); }
    get desiredSize() { return tctl(this).stream[T].readableController.desiredSize; }
    enqueue(chunk = undefined) { enqueueTransformed(tctl(this), chunk); }
    error(reason = undefined) { transformError(tctl(this).stream, reason); }
    terminate() {
      // TransformStreamDefaultControllerTerminate
      const stream = tctl(this).stream;
      const rc = stream[T].readableController;
      if (readable.canCloseOrEnqueue(rc)) rc.close();
      errorWritableAndUnblockWrite(stream, typeError("The TransformStream has been terminated", "ERR_INVALID_STATE"));
    }
  }
  Object.defineProperty(TransformStreamDefaultController.prototype, Symbol.toStringTag, {
    value: "TransformStreamDefaultController", configurable: true,
  });
  function tctl(controller) {
    const c = controller?.[TC];
    if (c === undefined) throw typeError('Value of "this" must be of type TransformStreamDefaultController', "ERR_INVALID_THIS");
    return c;
  }
  // TransformStreamDefaultControllerEnqueue
  function enqueueTransformed(c, chunk) {
    const stream = c.stream;
    const rc = stream[T].readableController;
    if (!readable.canCloseOrEnqueue(rc)) throw invalidState("Readable side is not in a readable state");
    try {
      rc.enqueue(chunk);
    } catch (e) {
      errorWritableAndUnblockWrite(stream, e);
      throw readable.slot(stream[T].readable).storedError;
    }
    const backpressure = readable.hasBackpressure(rc);
    if (backpressure !== stream[T].backpressure) setBackpressure(stream, true);
  }
  // TransformStreamDefaultControllerPerformTransform
  function performTransform(c, chunk) {
    return c.transform(chunk).then(undefined, (r) => {
      transformError(c.stream, r);
      throw r;
    });
  }
  // TransformStreamDefaultSinkWriteAlgorithm
  function sinkWrite(stream, chunk) {
    const t = stream[T];
    if (t.backpressure) {
      return t.backpressureChange.promise.then(() => {
        const w = t.writable[W];
        if (w.state === "erroring") throw w.storedError;
        return performTransform(t.controller, chunk);
      });
    }
    return performTransform(t.controller, chunk);
  }
  // The transform's one finishing step (a close of its writable, an abort of it, or a
  // cancel of its readable): the first runs `algorithm` and settles the finish promise
  // through `settled(failed, value)`; the others get the same promise.
  function finishOnce(c, algorithm, settled) {
    if (c.finishPromise !== undefined) return c.finishPromise.promise;
    c.finishPromise = deferred();
    const result = algorithm();
    clearTransformAlgorithms(c);
    result.then((v) => settled(false, v), (r) => settled(true, r));
    return c.finishPromise.promise;
  }
  // TransformStreamDefaultSinkAbortAlgorithm, TransformStreamDefaultSinkCloseAlgorithm:
  // the readable side follows, unless it has errored meanwhile.
  function sinkAbort(stream, reason) {
    const c = stream[T].controller;
    return finishOnce(c, () => c.cancel(reason), (failed, r) => readableFollows(stream, failed, r, () => {
      stream[T].readableController.error(reason);
    }));
  }
  function sinkClose(stream) {
    const c = stream[T].controller;
    return finishOnce(c, () => c.flush(), (failed, r) => readableFollows(stream, failed, r, () => {
      const rc = stream[T].readableController;
      if (readable.canCloseOrEnqueue(rc)) rc.close();
    }));
  }
  function readableFollows(stream, failed, r, follow) {
    const c = stream[T].controller;
    if (failed) {
      stream[T].readableController.error(r);
      c.finishPromise.reject(r);
      return;
    }
    const slot = readable.slot(stream[T].readable);
    if (slot.state === "errored") {
      c.finishPromise.reject(slot.storedError);
      return;
    }
    follow();
    c.finishPromise.resolve(undefined);
  }
  // TransformStreamDefaultSourcePullAlgorithm
  function sourcePull(stream) {
    setBackpressure(stream, false);
    return stream[T].backpressureChange.promise;
  }
  // TransformStreamDefaultSourceCancelAlgorithm: the writable side follows, unless it has
  // errored meanwhile.
  function sourceCancel(stream, reason) {
    const c = stream[T].controller;
    const ws = stream[T].writable;
    return finishOnce(c, () => c.cancel(reason), (failed, r) => {
      if (!failed && ws[W].state === "errored") {
        c.finishPromise.reject(ws[W].storedError);
        return;
      }
      errorIfNeeded(ws[W].controller[WC], failed ? r : reason);
      unblockWrite(stream);
      if (failed) c.finishPromise.reject(r);
      else c.finishPromise.resolve(undefined);
    });
  }

  // ---- piping: ReadableStreamPipeTo ---------------------------------------------------------
  function pipeOptions(options) {
    if (options === undefined || options === null) return { preventClose: false, preventAbort: false, preventCancel: false, signal: undefined };
    if (typeof options !== "object" && typeof options !== "function") {
      throw typeError('The "options" argument must be of type object', "ERR_INVALID_ARG_TYPE");
    }
    const signal = options.signal;
    if (signal !== undefined && !(signal instanceof global.AbortSignal)) {
      throw typeError('The "options.signal" property must be an instance of AbortSignal', "ERR_INVALID_ARG_TYPE");
    }
    return {
      preventClose: Boolean(options.preventClose),
      preventAbort: Boolean(options.preventAbort),
      preventCancel: Boolean(options.preventCancel),
      signal,
    };
  }
  internals.pipeTo = function pipeTo(source, dest, options) {
    let o;
    try {
      if (!readable.isReadableStream(source)) throw typeError('Value of "this" must be of type ReadableStream', "ERR_INVALID_THIS");
      if (!isWritableStream(dest)) throw typeError('The "destination" argument must be an instance of WritableStream', "ERR_INVALID_ARG_TYPE");
      o = pipeOptions(options);
    } catch (e) {
      return Promise.reject(e);
    }
    if (source.locked) return Promise.reject(invalidState("ReadableStream is locked"));
    if (dest[W].writer !== undefined) return Promise.reject(invalidState("WritableStream is locked"));
    return pipe(source, dest, o);
  };
  internals.pipeThrough = function pipeThrough(source, transform, options) {
    if (!readable.isReadableStream(source)) throw typeError('Value of "this" must be of type ReadableStream', "ERR_INVALID_THIS");
    const rs = transform?.readable;
    const ws = transform?.writable;
    if (!readable.isReadableStream(rs)) throw typeError('The "transform.readable" property must be an instance of ReadableStream', "ERR_INVALID_ARG_TYPE");
    if (!isWritableStream(ws)) throw typeError('The "transform.writable" property must be an instance of WritableStream', "ERR_INVALID_ARG_TYPE");
    const o = pipeOptions(options);
    if (source.locked) throw invalidState("ReadableStream is locked");
    if (ws[W].writer !== undefined) throw invalidState("WritableStream is locked");
    markHandled(pipe(source, ws, o));
    return rs;
  };

  function pipe(source, dest, { preventClose, preventAbort, preventCancel, signal }) {
    // The source is cancelled through this reader (ReadableStreamCancel, past the lock).
    const reader = source.getReader();
    const writer = new WritableStreamDefaultWriter(dest);
    readable.slot(source).disturbed = true;
    const src = () => readable.slot(source);
    const dst = dest[W];
    let shuttingDown = false;
    // The last write started, for a shutdown to wait for.
    let currentWrite = resolved();
    const done = deferred();
    let abortAlgorithm;
    const finalize = (isError, error) => {
      writerRelease(writer);
      reader.releaseLock();
      if (signal !== undefined) signal.removeEventListener("abort", abortAlgorithm);
      if (isError) done.reject(error);
      else done.resolve(undefined);
    };
    const waitForWritesToFinish = () => {
      const old = currentWrite;
      return currentWrite.then(() => (old !== currentWrite ? waitForWritesToFinish() : undefined));
    };
    const destWritable = () => dst.state === "writable" && !closeQueuedOrInFlight(dest);
    const shutdownWithAnAction = (action, originalIsError, originalError) => {
      if (shuttingDown) return;
      shuttingDown = true;
      const doTheRest = () => {
        promiseCall(action).then(() => finalize(originalIsError, originalError), (e) => finalize(true, e));
      };
      if (destWritable()) waitForWritesToFinish().then(doTheRest);
      else doTheRest();
    };
    const shutdown = (isError, error) => {
      if (shuttingDown) return;
      shuttingDown = true;
      if (destWritable()) waitForWritesToFinish().then(() => finalize(isError, error));
      else finalize(isError, error);
    };
    if (signal !== undefined) {
      abortAlgorithm = () => {
        const error = signal.reason;
        const actions = [];
        if (!preventAbort) actions.push(() => (dst.state === "writable" ? streamAbort(dest, error) : resolved()));
        if (!preventCancel) actions.push(() => (src().state === "readable" ? reader.cancel(error) : resolved()));
        shutdownWithAnAction(() => Promise.all(actions.map((a) => a())), true, error);
      };
      if (signal.aborted) {
        abortAlgorithm();
        return done.promise;
      }
      signal.addEventListener("abort", abortAlgorithm);
    }
    const step = () => {
      if (shuttingDown) return Promise.resolve(true);
      return writer[WR].ready.promise.then(() => reader.read().then(({ value, done: end }) => {
        if (end) return true;
        currentWrite = markHandled(writerWrite(writer, value).then(undefined, () => {}));
        return false;
      }));
    };
    const loop = () => step().then((end) => (end ? undefined : loop()));
    // Errors must be propagated forward.
    const sourceErrored = (e) => {
      if (!preventAbort) shutdownWithAnAction(() => streamAbort(dest, e), true, e);
      else shutdown(true, e);
    };
    // Errors must be propagated backward.
    const destErrored = (e) => {
      if (!preventCancel) shutdownWithAnAction(() => reader.cancel(e), true, e);
      else shutdown(true, e);
    };
    // Closing must be propagated forward.
    const sourceClosed = () => {
      if (!preventClose) shutdownWithAnAction(() => writerCloseWithErrorPropagation(writer));
      else shutdown();
    };
    if (src().state === "errored") sourceErrored(src().storedError);
    else reader.closed.then(sourceClosed, sourceErrored);
    if (dst.state === "errored") destErrored(dst.storedError);
    else writer[WR].closed.promise.then(undefined, destErrored);
    if (src().state === "closed") sourceClosed();
    // Closing must be propagated backward.
    if (closeQueuedOrInFlight(dest) || dst.state === "closed") {
      const closed = typeError("the destination writable stream closed before all data could be piped to it");
      if (!preventCancel) shutdownWithAnAction(() => reader.cancel(closed), true, closed);
      else shutdown(true, closed);
    }
    markHandled(loop());
    return done.promise;
  }

  // ---- TextEncoderStream, TextDecoderStream ---------------------------------------------------
  class TextEncoderStream {
    #transform;
    constructor() {
      const encoder = new global.TextEncoder();
      // A lead surrogate that ended a chunk, waiting for its trail in the next.
      let lead = "";
      this.#transform = new TransformStream({
        transform(chunk, controller) {
          let text = lead + `${chunk}`;
          lead = "";
          const last = text.charCodeAt(text.length - 1);
          if (last >= 0xd800 && last <= 0xdbff) {
            lead = text[text.length - 1];
            text = text.slice(0, -1);
          }
          if (text.length > 0) controller.enqueue(encoder.encode(text));
        },
        flush(controller) {
          if (lead !== "") controller.enqueue(new Uint8Array([0xef, 0xbf, 0xbd]));
        },
      });
    }
    get encoding() { return "utf-8"; }
    get readable() { return this.#transform.readable; }
    get writable() { return this.#transform.writable; }
  }
  Object.defineProperty(TextEncoderStream.prototype, Symbol.toStringTag, { value: "TextEncoderStream", configurable: true });
  inspectAs(TextEncoderStream.prototype, "TextEncoderStream", (t) => ({ encoding: t.encoding, readable: t.readable, writable: t.writable }));

  class TextDecoderStream {
    #decoder;
    #transform;
    constructor(label = "utf-8", options = {}) {
      const decoder = new global.TextDecoder(label, options);
      this.#decoder = decoder;
      this.#transform = new TransformStream({
        transform(chunk, controller) {
          const text = decoder.decode(chunk, { stream: true });
          if (text.length > 0) controller.enqueue(text);
        },
        flush(controller) {
          const text = decoder.decode();
          if (text.length > 0) controller.enqueue(text);
        },
      });
    }
    get encoding() { return this.#decoder.encoding; }
    get fatal() { return this.#decoder.fatal; }
    get ignoreBOM() { return this.#decoder.ignoreBOM; }
    get readable() { return this.#transform.readable; }
    get writable() { return this.#transform.writable; }
  }
  Object.defineProperty(TextDecoderStream.prototype, Symbol.toStringTag, { value: "TextDecoderStream", configurable: true });
  inspectAs(TextDecoderStream.prototype, "TextDecoderStream", (t) => ({
    encoding: t.encoding, fatal: t.fatal, ignoreBOM: t.ignoreBOM, readable: t.readable, writable: t.writable,
  }));

  // ---- CompressionStream, DecompressionStream -------------------------------------------------
  // The codec is Rust's (core.codec*), by number: freed when the stream finishes, fails or
  // is cancelled, or, for one nobody finished, when its transformer is collected.
  const codecs = new FinalizationRegistry((id) => core.codecFree(id));
  function codecTransform(format, compress) {
    if (format !== "gzip" && format !== "deflate" && format !== "deflate-raw") {
      const shown = typeof format === "string" ? `'${format}'` : `${format}`;
      throw typeError(`The argument 'format' is invalid. Received ${shown}`, "ERR_INVALID_ARG_VALUE");
    }
    const id = core.codecNew(`${format}`, compress);
    const transformer = {
      transform(chunk, controller) {
        const out = core.codecPush(id, chunk);
        if (out.length > 0) controller.enqueue(out);
      },
      flush(controller) {
        codecs.unregister(transformer);
        const out = core.codecFinish(id);
        if (out.length > 0) controller.enqueue(out);
      },
      cancel() {
        codecs.unregister(transformer);
        core.codecFree(id);
      },
    };
    codecs.register(transformer, id, transformer);
    return new TransformStream(transformer);
  }
  class CompressionStream {
    #transform;
    constructor(format) { this.#transform = codecTransform(format, true); }
    get readable() { return this.#transform.readable; }
    get writable() { return this.#transform.writable; }
  }
  class DecompressionStream {
    #transform;
    constructor(format) { this.#transform = codecTransform(format, false); }
    get readable() { return this.#transform.readable; }
    get writable() { return this.#transform.writable; }
  }
  for (const [C, name] of [[CompressionStream, "CompressionStream"], [DecompressionStream, "DecompressionStream"]]) {
    Object.defineProperty(C.prototype, Symbol.toStringTag, { value: name, configurable: true });
    inspectAs(C.prototype, name, (t) => ({ readable: t.readable, writable: t.writable }));
  }

  internals.isWritableStream = isWritableStream;
  define(global, "WritableStream", WritableStream);
  define(global, "WritableStreamDefaultWriter", WritableStreamDefaultWriter);
  define(global, "WritableStreamDefaultController", WritableStreamDefaultController);
  define(global, "TransformStream", TransformStream);
  define(global, "TransformStreamDefaultController", TransformStreamDefaultController);
  define(global, "TextEncoderStream", TextEncoderStream);
  define(global, "TextDecoderStream", TextDecoderStream);
  define(global, "CompressionStream", CompressionStream);
  define(global, "DecompressionStream", DecompressionStream);
})
