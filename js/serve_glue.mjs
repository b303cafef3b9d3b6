// serve_glue.mjs — owns: the module `warren serve` runs in a JS handler's isolate, between the
// server and the handler's `export default { fetch(request, env, ctx) }`. src/serve/js_handler.rs
// puts the import lines above this text: `handlerModule` (the handler), `getConfig`
// (host:config), `readBody` (host:request: the next chunk of a streamed request body) and
// `callPlugin` with `PLUGINS` (host:plugins, the plugins it may call).
//
// handle(method, head, urlEnd, body) -> [status | STREAMED | WAITING, body, name,
// value, ...], or the body alone for a 200 text/plain string response, or [FAILED |
// WAITING, thrown, what] (or a promise of any): calls the handler. `head` is the URL (as
// the URL parser writes it, up to `urlEnd`) and then "\nname:value" for each header;
// `body` in is a Uint8Array, null, or the number readBody() reads it by when it streams;
// out a string, a Uint8Array or null;
// WAITING: ctx.waitUntil was given promises, so settle() has work;
// a body that is a stream is left open for pull() to read chunk by chunk (null at its end);
// cancel() drops it (the client went away) and aborts request.signal; abort() aborts the
// signal of the request whose response is awaited (its client went away first);
// settle() waits for what ctx.waitUntil() was given.
//
// With several requests in flight at once (a handler's `concurrency` over 1) the server
// calls these instead, each request under the number it gives it (src/serve/flights.rs):
// start(method, head, urlEnd, body, id) as handle(); rest(id) streams a body through
// writeChunk(id, bytes | null) (host:request: false once nobody reads it) and waits for
// the request's ctx.waitUntil(); drop(id) ends a request the server gave up on (its
// signal aborted, its stream cancelled); abortFlight(id) aborts its signal (its client
// went away before the response).
const handler = handlerModule.default;
if (handler === null || typeof handler !== "object" || typeof handler.fetch !== "function") {
  throw new TypeError("a handler must `export default { fetch(request, env, ctx) }`");
}
const BODY = Symbol.for("warren.body");
const env = Object.create(null);
const config = getConfig();
if (config !== null && typeof config === "object") Object.assign(env, config);
for (const name of PLUGINS) {
  // env.NAME.EXPORT(input): a call to the plugin NAME of the manifest.
  env[name] = new Proxy(Object.create(null), {
    get(_, exp) {
      if (typeof exp !== "string" || exp === "then") return undefined;
      return (input = null) => callPlugin(name, exp, input);
    },
  });
}
Object.freeze(env);

let current = null;
// The request being served.
let active = null;
let waiting = [];
const LIST = Symbol.for("warren.headerList");
const SERVE = Symbol.for("warren.serve");
const ABORT = Symbol.for("warren.abort");

// The number of the request being served: requests come one at a time, so a `ctx` of an
// earlier one belongs to a request that is over.
let serial = 0;

// The `ctx` of one request. A waitUntil() after its request is over (from a timer, say)
// is ignored, as Workers ignore one after the request's context has ended: it is not
// waited for as the next request's.
class Context {
  #serial = serial;
  waitUntil(promise) {
    if (this.#serial === serial) waiting.push(Promise.resolve(promise));
  }
  passThroughOnException() {}
}

// Flags beside the status in handle()'s result (src/serve/js_handler.rs).
const STREAMED = 1 << 10;
const WAITING = 1 << 11;
// A response that is this text type's string body, status 200 and no other header is
// handle()'s result as the string alone.
const TEXT = "text/plain;charset=UTF-8";

// The handler failed: the server logs `what` and the thrown value under the handler's
// name, and answers 500.
const FAILED = 1 << 12;
function failure(what, e) {
  return [FAILED | (waiting.length > 0 ? WAITING : 0), e, what];
}

// The response as the server takes it; a stream is kept for pull(). Small, for TurboFan
// to inline it (and what it calls) into handle: any response but a plain text one is
// built in answer().
function finish(request, response) {
  if (!(response instanceof Response)) {
    return failure("fetch() did not return a Response", response);
  }
  const source = response[BODY]();
  const headers = response[LIST]();
  if (typeof source === "string" && response.status === 200 && waiting.length === 0 &&
      headers.length === 2 && headers[0] === "content-type" && headers[1] === TEXT) {
    return source;
  }
  if (source === undefined) return failure(READ_ALREADY, readAlready());
  return answer(request, response, source, headers);
}

// A Response whose body the handler (or anyone) read already: nothing is left to send.
const READ_ALREADY = "fetch() returned a Response whose body was already read";
const readAlready = () => new TypeError("Body is unusable: Body has already been read");

function answer(request, response, source, headers) {
  let out;
  if (source === null || typeof source === "string" || source instanceof Uint8Array) {
    out = [response.status | (waiting.length > 0 ? WAITING : 0), source];
  } else {
    current = { reader: source.getReader(), request };
    out = [response.status | STREAMED | WAITING, null];
  }
  for (let i = 0; i < headers.length; i++) out.push(headers[i]);
  return out;
}

// A request body that streams: each read asks the server for the next chunk as it
// arrives (nothing is read ahead of the handler).
function requestStream(id) {
  return new ReadableStream({
    async pull(controller) {
      let chunk;
      try {
        chunk = await readBody(id);
      } catch (e) {
        // The host's "async host function failed: " prefix says nothing to a handler.
        throw new TypeError(`${e?.message ?? e}`.replace(/^async host function failed: /, ""));
      }
      if (chunk === null) controller.close();
      else controller.enqueue(chunk);
    },
  }, { highWaterMark: 0 });
}

// Not async: a handler that returns a Response (not a promise) is answered in this call.
export function handle(method, head, urlEnd, body) {
  let request;
  let response;
  try {
    serial++;
    request = Request[SERVE](method, head, urlEnd, typeof body === "number" ? requestStream(body) : body);
    active = request;
    response = handler.fetch(request, env, new Context());
  } catch (e) {
    return failure("fetch() threw", e);
  }
  if (response instanceof Response) return finish(request, response);
  return Promise.resolve(response).then(
    (r) => finish(request, r),
    (e) => failure("fetch() threw", e),
  );
}

export async function pull() {
  if (current === null) return null;
  const { value, done } = await current.reader.read();
  if (done) {
    current = null;
    return null;
  }
  if (value instanceof Uint8Array) return value;
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  current.request[ABORT]();
  current = null;
  throw new TypeError("a response body stream must yield Uint8Array chunks");
}

export async function cancel() {
  if (current === null) return;
  const { reader, request } = current;
  current = null;
  request[ABORT]();
  await reader.cancel();
}

export function abort() {
  active?.[ABORT]();
}

export async function settle() {
  // Work given to waitUntil may itself call waitUntil: wait until none is left.
  while (waiting.length > 0) {
    const promises = waiting;
    waiting = [];
    await Promise.allSettled(promises);
  }
}

// Requests in flight at once, by number: each with its own request, ctx and stream.
const flights = new Map();

class FlightContext {
  #flight;
  constructor(flight) {
    this.#flight = flight;
  }
  waitUntil(promise) {
    const flight = this.#flight;
    if (!flight.over) (flight.waiting ??= []).push(Promise.resolve(promise));
  }
  passThroughOnException() {}
}

// A request answered within start() is never kept, and costs no Map entry.
function keep(id, flight) {
  flight.kept = true;
  flights.set(id, flight);
}

function flightOver(id, flight) {
  flight.over = true;
  if (flight.kept) flights.delete(id);
}

function flightFailure(id, flight, what, e) {
  const waiting = flight.waiting !== null;
  if (waiting) keep(id, flight);
  else flightOver(id, flight);
  return [FAILED | (waiting ? WAITING : 0), e, what];
}

function flightHead(id, flight, response) {
  if (!(response instanceof Response)) {
    return flightFailure(id, flight, "fetch() did not return a Response", response);
  }
  const source = response[BODY]();
  if (source === undefined) return flightFailure(id, flight, READ_ALREADY, readAlready());
  const headers = response[LIST]();
  const waiting = flight.waiting !== null;
  let out;
  if (source === null || typeof source === "string" || source instanceof Uint8Array) {
    if (!waiting) flightOver(id, flight);
    if (typeof source === "string" && response.status === 200 && !waiting &&
        headers.length === 2 && headers[0] === "content-type" && headers[1] === TEXT) {
      return source;
    }
    out = [response.status | (waiting ? WAITING : 0), source];
  } else {
    flight.reader = source.getReader();
    out = [response.status | STREAMED | WAITING, null];
  }
  // rest() is to come: for the stream, or for ctx.waitUntil.
  if (waiting || flight.reader !== null) keep(id, flight);
  for (let i = 0; i < headers.length; i++) out.push(headers[i]);
  return out;
}

// A flight is kept in `flights` only while the server may call rest(), drop() or
// abortFlight() for it: a request answered within start() never is.
export function start(method, head, urlEnd, body, id) {
  // `waiting`: ctx.waitUntil's promises, once it is called.
  const flight = { request: null, waiting: null, reader: null, over: false, kept: false };
  let response;
  try {
    flight.request = Request[SERVE](method, head, urlEnd, typeof body === "number" ? requestStream(body) : body);
    response = handler.fetch(flight.request, env, new FlightContext(flight));
  } catch (e) {
    return flightFailure(id, flight, "fetch() threw", e);
  }
  if (response instanceof Response) return flightHead(id, flight, response);
  keep(id, flight);
  return Promise.resolve(response).then(
    (r) => flight.over ? null : flightHead(id, flight, r),
    (e) => flight.over ? null : flightFailure(id, flight, "fetch() threw", e),
  );
}

function chunkOf(value) {
  if (value instanceof Uint8Array) return value;
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  return null;
}

async function pump(id, flight) {
  const reader = flight.reader;
  for (;;) {
    const { value, done } = await reader.read();
    if (flight.over) return;
    if (done) {
      await writeChunk(id, null);
      return;
    }
    const chunk = chunkOf(value);
    if (chunk === null) {
      flight.request[ABORT]();
      reader.cancel().catch(() => {});
      throw new TypeError("a response body stream must yield Uint8Array chunks");
    }
    if (!(await writeChunk(id, chunk))) {
      // Nobody reads the rest: the client went away.
      flight.request[ABORT]();
      await reader.cancel();
      return;
    }
  }
}

export async function rest(id) {
  const flight = flights.get(id);
  if (flight === undefined) return;
  try {
    if (flight.reader !== null) await pump(id, flight);
  } finally {
    while (flight.waiting !== null && !flight.over) {
      const promises = flight.waiting;
      flight.waiting = null;
      await Promise.allSettled(promises);
    }
    flightOver(id, flight);
  }
}

export function drop(id) {
  const flight = flights.get(id);
  if (flight === undefined) return;
  flightOver(id, flight);
  flight.request?.[ABORT]();
  flight.reader?.cancel().catch(() => {});
}

export function abortFlight(id) {
  flights.get(id)?.request?.[ABORT]();
}
