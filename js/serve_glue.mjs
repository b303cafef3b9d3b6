// serve_glue.mjs — owns: the module `warren serve` runs in a JS handler's isolate, between the
// server and the handler's `export default { fetch(request, env, ctx) }`. src/serve/js_handler.rs
// puts the import lines above this text: `handlerModule` (the handler), `getConfig`
// (host:config) and `callPlugin` with `PLUGINS` (host:plugins, the plugins it may call).
//
// handle(method, url, headers, body) -> [status, headers, body, streamed, waiting]: calls the
// handler (`waiting`: ctx.waitUntil was given promises, so settle() has work);
// a body that is a stream is left open for pull() to read chunk by chunk (null at its end);
// cancel() drops it (the client went away) and aborts request.signal; settle() waits for
// what ctx.waitUntil() was given.
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
let waiting = [];

function failure(what, e) {
  console.error(`handler failed: ${what}:`, e);
  return [500, [["content-type", "text/plain;charset=UTF-8"]], "Internal Server Error\n", false];
}

export async function handle(method, url, headers, body) {
  const controller = new AbortController();
  const ctx = {
    waitUntil(promise) {
      waiting.push(Promise.resolve(promise));
    },
    passThroughOnException() {},
  };
  let response;
  try {
    const request = new Request(url, { method, headers, body, signal: controller.signal });
    response = await handler.fetch(request, env, ctx);
  } catch (e) {
    return failure("fetch() threw", e);
  }
  if (!(response instanceof Response)) {
    return failure("fetch() did not return a Response", response);
  }
  const out = [];
  for (const pair of response.headers) out.push(pair);
  const source = response[BODY]();
  if (source === null || source instanceof Uint8Array) {
    return [response.status, out, source, false, waiting.length > 0];
  }
  current = { reader: source.getReader(), controller };
  return [response.status, out, null, true, true];
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
  current.controller.abort();
  current = null;
  throw new TypeError("a response body stream must yield Uint8Array chunks");
}

export async function cancel() {
  if (current === null) return;
  const { reader, controller } = current;
  current = null;
  controller.abort();
  await reader.cancel();
}

export async function settle() {
  const promises = waiting;
  waiting = [];
  await Promise.allSettled(promises);
}
