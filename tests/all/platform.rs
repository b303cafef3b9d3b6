//! The web platform globals and the Node-compatibility subset, end to end through the CLI,
//! and the permission checks in front of files and the environment.

use std::fs;

use crate::{root, run};

fn dir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

fn write(d: &tempfile::TempDir, name: &str, text: &str) -> String {
    let p = d.path().join(name);
    if let Some(parent) = p.parent() {
        fs::create_dir_all(parent).unwrap();
    }
    fs::write(&p, text).unwrap();
    p.to_string_lossy().into_owned()
}

/// console formats primitives without loading inspect.js; what it prints must still be
/// exactly Node's (this output is Node 20's for the same program), including the cases
/// that must take the inspect path (-0, a first string with a format specifier).
#[test]
fn console_prints_primitives_as_node_does() {
    let d = dir();
    let f = write(
        &d,
        "p.mjs",
        r#"console.log("hi");
console.log("a", 1, -1.5, 1e21, 2 ** -1074, NaN, Infinity, -Infinity, true, undefined, null, 10n);
console.log(-0, "x");
console.log("x", -0);
console.log("%d%%", 3, "y");
console.log(1, "%s", "z");
console.log();
console.log("", "");
console.log("multi\nline", 0);
console.error("to", "stderr", 2);
"#,
    );
    let r = run(&["run", &f]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "hi\na 1 -1.5 1e+21 5e-324 NaN Infinity -Infinity true undefined null 10n\n-0 x\nx -0\n3% y\n1 %s z\n\n \nmulti\nline 0\n"
    );
    assert_eq!(r.stderr, "to stderr 2\n");
}

#[test]
fn text_encoding() {
    let d = dir();
    let f = write(
        &d,
        "t.mjs",
        r#"const enc = new TextEncoder();
const bytes = enc.encode("héllo €");
console.log(bytes.length, Array.from(bytes.slice(0, 3)).join(","));
const dst = new Uint8Array(4);
console.log(JSON.stringify(enc.encodeInto("€€", dst)));
console.log(new TextDecoder().decode(bytes), new TextDecoder("utf-16le").decode(new Uint8Array([104, 0, 105, 0])));
try { new TextDecoder("utf-8", { fatal: true }).decode(new Uint8Array([0xff])); } catch (e) { console.log(e.name, e.code); }
const dec = new TextDecoder();
console.log(dec.decode(new Uint8Array([0xe2, 0x82]), { stream: true }) + dec.decode(new Uint8Array([0xac])));
console.log(new TextDecoder().decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x61])), new TextDecoder("latin1").encoding);
"#,
    );
    let r = run(&["run", &f]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "10 104,195,169\n{\"read\":1,\"written\":3}\nhéllo € hi\nTypeError ERR_ENCODING_INVALID_ENCODED_DATA\n€\na windows-1252\n"
    );
}

#[test]
fn url_base64_clone_crypto_events() {
    let d = dir();
    let f = write(
        &d,
        "t.mjs",
        r#"const u = new URL("../b/c?x=1&y=2#frag", "https://user:pw@example.com:8080/a/z");
console.log(u.href, u.origin, u.host, u.pathname, u.search, u.hash);
u.searchParams.append("z", "a b");
console.log(u.search, u.searchParams.get("y"), URL.canParse("nope"), new URL("file:///tmp/x y").pathname);
u.pathname = "/new";
console.log(u.href);
console.log(btoa("hello"), atob("aGVsbG8="), atob(" aGk "));
try { atob("@@"); } catch (e) { console.log(e.name); }
const src = { a: [1, { b: new Date(0) }], m: new Map([[1, new Set([2])]]), big: 10n };
src.self = src;
const c = structuredClone(src);
console.log(c !== src, c.self === c, c.a[1].b instanceof Date, c.m.get(1).has(2), c.big);
try { structuredClone(() => {}); } catch (e) { console.log(e.name); }
// A File clones as a File (the HTML standard, and deno; Node 20 makes it a Blob).
const file = new File(["xyz"], "n.txt", { type: "A/B", lastModified: 7 });
const cf = structuredClone({ file, b: new Blob(["hi"]) });
console.log(cf.file instanceof File, cf.file.name, cf.file.type, cf.file.size, cf.file.lastModified, await cf.file.text(), cf.b instanceof File, await cf.b.text());
const chunks = [];
for await (const chunk of new Blob(["ab", "c"]).stream()) chunks.push(...chunk);
console.log(String.fromCharCode(...chunks), await new Response(new Blob(["r"]).stream()).text());
const r = crypto.getRandomValues(new Uint8Array(16));
console.log(r.length, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(crypto.randomUUID()));
const ac = new AbortController();
const et = new EventTarget();
et.addEventListener("ping", (e) => console.log("got", e.type, e.target === et), { once: true });
et.dispatchEvent(new Event("ping"));
et.dispatchEvent(new Event("ping"));
ac.signal.addEventListener("abort", () => console.log("aborted", ac.signal.reason.name));
ac.abort();
console.log(typeof performance.now(), performance.now() >= 0, performance.timeOrigin > 1.6e12, self === globalThis);
"#,
    );
    let r = run(&["run", &f]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "https://user:pw@example.com:8080/b/c?x=1&y=2#frag https://example.com:8080 example.com:8080 /b/c ?x=1&y=2 #frag\n\
?x=1&y=2&z=a+b 2 false /tmp/x%20y\n\
https://user:pw@example.com:8080/new?x=1&y=2&z=a+b#frag\n\
aGVsbG8= hello hi\n\
InvalidCharacterError\n\
true true true true 10n\n\
DataCloneError\n\
true n.txt a/b 3 7 xyz false hi\n\
abc r\n\
16 true\n\
got ping true\n\
aborted AbortError\n\
number true true true\n"
    );
}

/// `Response` and `Request` made every way a handler makes them: `new Response(text)` (set
/// up on a path of its own, for TurboFan to inline) and everything else; the expected lines
/// are Node 20's for the same script.
#[test]
fn response_and_request_constructors_agree_with_node() {
    let d = dir();
    let f = write(
        &d,
        "t.mjs",
        r#"const out = [];
const log = (...a) => out.push(a.map(String).join(" "));
const tryit = (name, f) => { try { log(name, f()); } catch (e) { log(name, "threw", e.constructor.name); } };
log(Response.length, Request.length);
for (const body of ["hi", 42, true, {}, null, undefined, new Uint8Array([104, 105])]) {
  const r = new Response(body);
  log(r.status, r.statusText === "", r.headers.get("content-type"), r.type, r.url === "", r.bodyUsed, JSON.stringify(await r.text()), r.bodyUsed);
}
let r = new Response("x", { status: 201, statusText: "Made", headers: { "x-a": "1" } });
log(r.status, r.statusText, r.headers.get("x-a"), r.headers.get("content-type"));
tryit("204 with body", () => new Response("x", { status: 204 }).status);
tryit("status 600", () => new Response("x", { status: 600 }).status);
log(new Response(null, { status: 204 }).status);
r = new Response("clone me"); const c = r.clone(); log(await r.text(), await c.text());
r = new Response("s"); log(r.body instanceof ReadableStream, await r.text());
let q = new Request("http://x.test/p?q=1");
log(q.url, q.method, q.headers.get("content-type"), q.bodyUsed, q.signal instanceof AbortSignal);
q = new Request("http://x.test/", { method: "post", body: 7, headers: { "x-h": "v" } });
log(q.method, q.headers.get("x-h"), q.headers.get("content-type"), await q.text());
tryit("GET with body", () => new Request("http://x.test/", { body: "x" }).method);
q = new Request(new Request("http://x.test/z", { method: "PUT", body: "zz" }));
const q2 = q.clone(); log(q.url, q.method, await q.text(), q2.url, await q2.text());
log(Object.prototype.toString.call(new Response()), Object.prototype.toString.call(new Request("http://a/")));
const said = (f) => { try { f(); return "no error"; } catch (e) { return `${e.constructor.name}: ${e.message}`; } };
r = new Response("u"); await r.text(); log(said(() => r.clone()));
q = new Request("http://x.test/", { method: "POST", body: "u" }); await q.text();
log(said(() => new Request(q)));
tryit("Request.clone used", () => q.clone());
console.log(out.join("\n"));
"#,
    );
    let r = run(&["run", &f]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "0 1\n\
200 true text/plain;charset=UTF-8 default true false \"hi\" true\n\
200 true text/plain;charset=UTF-8 default true false \"42\" true\n\
200 true text/plain;charset=UTF-8 default true false \"true\" true\n\
200 true text/plain;charset=UTF-8 default true false \"[object Object]\" true\n\
200 true null default true false \"\" false\n\
200 true null default true false \"\" false\n\
200 true null default true false \"hi\" true\n\
201 Made 1 text/plain;charset=UTF-8\n\
204 with body threw TypeError\n\
status 600 threw RangeError\n\
204\n\
clone me clone me\n\
true s\n\
http://x.test/p?q=1 GET null false true\n\
POST v text/plain;charset=UTF-8 7\n\
GET with body threw TypeError\n\
http://x.test/z PUT zz http://x.test/z zz\n\
[object Response] [object Request]\n\
TypeError: Response.clone: Body has already been consumed.\n\
TypeError: Cannot construct a Request with a Request object that has already been used.\n\
Request.clone used threw TypeError\n"
    );
}

/// What `warren run` of the module `script` prints (it must exit 0).
fn prints(script: &str) -> String {
    let d = dir();
    let f = write(&d, "t.mjs", script);
    let r = run(&["run", &f]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    r.stdout
}

#[test]
fn writable_and_transform_streams_and_piping_agree_with_deno() {
    // The expected lines are Deno 2's output for this script, and Node 20's but one: Node
    // hits an internal assertion writing to a closed writer, where the spec rejects.
    let out = prints(
        r#"const out = [];
const log = (...a) => out.push(a.map((x) => typeof x === "string" ? x : JSON.stringify(x)).join(" "));
const said = (e) => (e instanceof TypeError ? "TypeError" : e instanceof RangeError ? "RangeError" : `${e?.constructor?.name}`);
const tick = () => new Promise((r) => setTimeout(r, 0));

// A sink that records, with a slow write.
{
  const seen = [];
  const ws = new WritableStream({
    start() { seen.push("start"); },
    async write(chunk) { seen.push(`write ${chunk}`); await tick(); },
    close() { seen.push("close"); },
  }, { highWaterMark: 2 });
  const w = ws.getWriter();
  log("locked", ws.locked, "desired", w.desiredSize);
  const p1 = w.write("a"); const p2 = w.write("b");
  log("desired after 2", w.desiredSize);
  const p3 = w.write("c");
  log("desired after 3", w.desiredSize);
  await Promise.all([p1, p2, p3]);
  log("desired after writes", w.desiredSize);
  await w.close();
  log("seen", seen);
  log("closed then desired", w.desiredSize);
  log("write after close", await w.write("x").then(() => "ok", () => "rejected"));
  w.releaseLock();
  log("unlocked", ws.locked);
}
// Backpressure and ready.
{
  let release;
  const ws = new WritableStream({ write() { return new Promise((r) => { release = r; }); } });
  const w = ws.getWriter();
  await w.ready;
  w.write(1);
  let ready = false;
  w.ready.then(() => { ready = true; });
  await tick();
  log("ready while writing", ready);
  release(); await tick(); await tick();
  log("ready after", ready);
}
// A sink write that fails errors the stream.
{
  const ws = new WritableStream({ write() { throw new RangeError("nope"); } });
  const w = ws.getWriter();
  const r = await w.write("x").then(() => "ok", (e) => `${e.name}: ${e.message}`);
  log("failed write", r);
  log("closed rejects", await w.closed.then(() => "ok", (e) => e.message));
  log("desired errored", w.desiredSize);
}
// abort, with the signal.
{
  let reason; let aborted = null;
  const ws = new WritableStream({
    start(c) { c.signal.addEventListener("abort", () => { aborted = c.signal.reason; }); },
    abort(r) { reason = r; },
  });
  await ws.abort("stop");
  log("abort", reason, aborted);
  try { ws.getWriter(); log("writer after abort ok"); } catch (e) { log("writer after abort", said(e)); }
}
// controller.error.
{
  const ws = new WritableStream({ start(c) { c.error(new Error("bad start")); } });
  const w = ws.getWriter();
  log("errored via controller", await w.closed.then(() => "ok", (e) => e.message));
}
// Locked stream.
{
  const ws = new WritableStream();
  ws.getWriter();
  try { ws.getWriter(); } catch (e) { log("second writer", said(e)); }
  log("abort locked", await ws.abort().then(() => "ok", (e) => said(e)));
  log("close locked", await ws.close().then(() => "ok", (e) => said(e)));
}
// TransformStream: uppercase.
{
  const ts = new TransformStream({
    transform(chunk, c) { c.enqueue(chunk.toUpperCase()); },
    flush(c) { c.enqueue("!"); },
  });
  const w = ts.writable.getWriter();
  w.write("ab"); w.write("cd"); w.close();
  const got = [];
  for await (const c of ts.readable) got.push(c);
  log("transformed", got);
}
// Identity transform, with a reader pulling.
{
  const ts = new TransformStream();
  const w = ts.writable.getWriter();
  const r = ts.readable.getReader();
  log("identity desired", w.desiredSize);
  const wp = w.write("x");
  log("read", await r.read());
  await wp;
  await w.close();
  log("read end", await r.read());
}
// A transform that fails errors both sides.
{
  const ts = new TransformStream({ transform() { throw new TypeError("bad chunk"); } });
  const w = ts.writable.getWriter();
  const r = ts.readable.getReader();
  const read = r.read().then(() => "ok", (e) => e.message);
  log("transform throws", await w.write("x").then(() => "ok", (e) => e.message));
  log("readable errored", await read);
}
// terminate.
{
  const ts = new TransformStream({ transform(chunk, c) { c.enqueue(chunk); c.terminate(); } });
  const w = ts.writable.getWriter();
  const r = ts.readable.getReader();
  w.write("last").catch(() => {});
  log("terminated read", await r.read());
  log("terminated end", await r.read());
  log("writable after terminate", await w.closed.then(() => "ok", (e) => said(e)));
}
// pipeTo.
{
  const got = [];
  const rs = ReadableStream.from(["a", "b", "c"]);
  const ws = new WritableStream({ write(c) { got.push(c); }, close() { got.push("closed"); } });
  await rs.pipeTo(ws);
  log("piped", got, rs.locked, ws.locked);
}
// pipeTo with preventClose.
{
  const got = [];
  const ws = new WritableStream({ write(c) { got.push(c); }, close() { got.push("closed"); } });
  await ReadableStream.from([1, 2]).pipeTo(ws, { preventClose: true });
  const w = ws.getWriter(); await w.write(3); await w.close();
  log("preventClose", got);
}
// An erroring source aborts the destination.
{
  let abortReason;
  const rs = new ReadableStream({ start(c) { c.enqueue("x"); c.error(new Error("src broke")); } });
  const ws = new WritableStream({ abort(r) { abortReason = r.message; } });
  log("source error", await rs.pipeTo(ws).then(() => "ok", (e) => e.message), abortReason);
}
// An erroring destination cancels the source.
{
  let cancelReason;
  const rs = new ReadableStream({ pull(c) { c.enqueue("y"); }, cancel(r) { cancelReason = r.message; } });
  const ws = new WritableStream({ write() { throw new Error("dest broke"); } });
  log("dest error", await rs.pipeTo(ws).then(() => "ok", (e) => e.message), cancelReason);
}
// pipeTo with an abort signal.
{
  const ac = new AbortController();
  let cancelled = false;
  const rs = new ReadableStream({ pull(c) { return tick().then(() => c.enqueue("z")); }, cancel() { cancelled = true; } });
  const ws = new WritableStream();
  const p = rs.pipeTo(ws, { signal: ac.signal });
  await tick();
  ac.abort(new Error("enough"));
  log("signal", await p.then(() => "ok", (e) => e.message), cancelled);
}
// pipeThrough, TextEncoderStream, TextDecoderStream.
{
  const bytes = [];
  const rs = ReadableStream.from(["h\u00e9", "llo \ud83d", "\ude00"]).pipeThrough(new TextEncoderStream());
  for await (const c of rs) bytes.push(...c);
  log("encoded", bytes);
  const split = [new Uint8Array([0x68, 0xc3]), new Uint8Array([0xa9, 0xf0, 0x9f]), new Uint8Array([0x98, 0x80])];
  const parts = [];
  for await (const s of ReadableStream.from(split).pipeThrough(new TextDecoderStream())) parts.push(s);
  log("decoded", parts);
  const d = new TextDecoderStream("utf-8", { fatal: true });
  log("decoder", d.encoding, d.fatal, d.ignoreBOM, new TextEncoderStream().encoding);
}
// pipeThrough argument checks.
{
  try { new ReadableStream().pipeThrough({}); } catch (e) { log("pipeThrough bad", said(e)); }
  log("pipeTo bad", await new ReadableStream().pipeTo({}).then(() => "ok", (e) => said(e)));
  const rs = new ReadableStream(); rs.getReader();
  log("pipeTo locked", await rs.pipeTo(new WritableStream()).then(() => "ok", (e) => said(e)));
}
// A chained pipeline with backpressure: 1000 chunks through two transforms.
{
  let n = 0;
  const src = new ReadableStream({ pull(c) { if (n === 1000) c.close(); else c.enqueue(n++); } });
  let sum = 0;
  await src
    .pipeThrough(new TransformStream({ transform(x, c) { c.enqueue(x * 2); } }))
    .pipeThrough(new TransformStream({ transform(x, c) { if (x % 3 === 0) c.enqueue(x); } }))
    .pipeTo(new WritableStream({ write(x) { sum += x; } }));
  log("pipeline sum", sum);
}
// Strings and the toStringTags.
log([new WritableStream(), new WritableStream().getWriter(), new TransformStream()].map((o) => Object.prototype.toString.call(o)));
try { new WritableStreamDefaultController(); } catch (e) { log("illegal", said(e)); }
try { new WritableStream({ type: "bytes" }); } catch (e) { log("sink type", said(e)); }
try { new WritableStream({}, { highWaterMark: -1 }); } catch (e) { log("hwm", said(e)); }
console.log(out.join("\n"));
"#,
    );
    assert_eq!(
        out,
        "locked true desired 2\n\
desired after 2 0\n\
desired after 3 -1\n\
desired after writes 2\n\
seen [\"start\",\"write a\",\"write b\",\"write c\",\"close\"]\n\
closed then desired 0\n\
write after close rejected\n\
unlocked false\n\
ready while writing false\n\
ready after true\n\
failed write RangeError: nope\n\
closed rejects nope\n\
desired errored null\n\
abort stop stop\n\
writer after abort ok\n\
errored via controller bad start\n\
second writer TypeError\n\
abort locked TypeError\n\
close locked TypeError\n\
transformed [\"AB\",\"CD\",\"!\"]\n\
identity desired 1\n\
read {\"value\":\"x\",\"done\":false}\n\
read end {\"done\":true}\n\
transform throws bad chunk\n\
readable errored bad chunk\n\
terminated read {\"value\":\"last\",\"done\":false}\n\
terminated end {\"done\":true}\n\
writable after terminate TypeError\n\
piped [\"a\",\"b\",\"c\",\"closed\"] false false\n\
preventClose [1,2,3,\"closed\"]\n\
source error src broke src broke\n\
dest error dest broke dest broke\n\
signal enough true\n\
encoded [104,195,169,108,108,111,32,240,159,152,128]\n\
decoded [\"h\",\"é\",\"😀\"]\n\
decoder utf-8 true false utf-8\n\
pipeThrough bad TypeError\n\
pipeTo bad TypeError\n\
pipeTo locked TypeError\n\
pipeline sum 333666\n\
[\"[object WritableStream]\",\"[object WritableStreamDefaultWriter]\",\"[object TransformStream]\"]\n\
illegal TypeError\n\
sink type RangeError\n\
hwm RangeError\n"
    );
}

#[test]
fn process_memory_and_cpu_usage_are_measured() {
    // Figures, not zeros: a 20 MB ArrayBuffer shows in arrayBuffers (counted by the
    // allocator under a memory cap, V8's external memory without), 200k objects in
    // heapUsed, spinning in cpuUsage's diff.
    let d = dir();
    let f = write(
        &d,
        "t.mjs",
        r#"const a = process.memoryUsage();
const keep = new Uint8Array(20 << 20).fill(1);
const objs = []; for (let i = 0; i < 200000; i++) objs.push({ i, s: `x${i}` });
const b = process.memoryUsage();
const c0 = process.cpuUsage();
// Spins until 50 ms of CPU show (at most 5 s of wall clock: a loaded machine gives this
// process less than the wall clock's share, and zeros would never get there).
const start = Date.now();
let d = process.cpuUsage(c0);
while (d.user + d.system < 50000 && Date.now() - start < 5000) d = process.cpuUsage(c0);
console.log(b.arrayBuffers - a.arrayBuffers >= 20e6, b.heapUsed - a.heapUsed > 4e6, b.rss > 20e6,
  b.heapTotal >= b.heapUsed, b.external >= b.arrayBuffers, process.memoryUsage.rss() > 20e6,
  d.user + d.system >= 50000, d.user + d.system < 5e6, keep.length + objs.length > 0);
"#,
    );
    for args in [vec!["run", &f], vec!["run", "--max-memory", "256MiB", &f]] {
        let r = run(&args);
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert_eq!(
            r.stdout, "true true true true true true true true true\n",
            "{args:?}"
        );
    }
}

#[test]
fn streams_print_as_node_prints_them() {
    // Node's console.log output, but for a WritableStream past the depth, which Node
    // prints as `undefined`.
    let out = prints(
        r#"const rs = new ReadableStream(); rs.getReader();
console.log(rs, new WritableStream(), new TransformStream());
console.log(new TextDecoderStream(), new TextEncoderStream());
console.log([new ReadableStream()], { deep: { deeper: { s: new WritableStream() } } });
"#,
    );
    assert_eq!(out, STREAMS_PRINTED);
}

const STREAMS_PRINTED: &str = r#"ReadableStream { locked: true, state: 'readable', supportsBYOB: false } WritableStream { locked: false, state: 'writable' } TransformStream {
  readable: ReadableStream { locked: false, state: 'readable', supportsBYOB: false },
  writable: WritableStream { locked: false, state: 'writable' },
  backpressure: true
}
TextDecoderStream {
  encoding: 'utf-8',
  fatal: false,
  ignoreBOM: false,
  readable: ReadableStream { locked: false, state: 'readable', supportsBYOB: false },
  writable: WritableStream { locked: false, state: 'writable' }
} TextEncoderStream {
  encoding: 'utf-8',
  readable: ReadableStream { locked: false, state: 'readable', supportsBYOB: false },
  writable: WritableStream { locked: false, state: 'writable' }
}
[
  ReadableStream { locked: false, state: 'readable', supportsBYOB: false }
] { deep: { deeper: { s: [WritableStream] } } }
"#;

#[test]
fn compression_streams_agree_with_node() {
    // Node 20's output for this script (the compressed bytes are zlib's at level 6, byte
    // for byte), but for the junk after a deflate-raw stream, which Node 20 ignores and
    // the Compression Streams standard (and Deno) make an error.
    let out = prints(
        r#"const data = new Uint8Array(300000).map((_, i) => (i % 251) ^ (i >> 10));
async function collect(rs) { const parts = []; let n = 0; for await (const c of rs) { parts.push(c); n += c.length; } const out = new Uint8Array(n); let o = 0; for (const p of parts) { out.set(p, o); o += p.length; } return out; }
function chunks(u8, size) { return ReadableStream.from((function* () { for (let i = 0; i < u8.length; i += size) yield u8.subarray(i, i + size); })()); }
const b64 = (u8) => btoa(String.fromCharCode(...u8));
const unb64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
const out = [];
for (const f of ["gzip", "deflate", "deflate-raw"]) {
  const z = await collect(chunks(data, 4096).pipeThrough(new CompressionStream(f)));
  const back = await collect(chunks(z, 7).pipeThrough(new DecompressionStream(f)));
  out.push(`${f} ${z.length < data.length / 2} ${back.length === data.length && back.every((b, i) => b === data[i])}`);
  const text = new TextEncoder().encode("hello hello hello hello");
  out.push(`${f} ${b64(await collect(chunks(text, 5).pipeThrough(new CompressionStream(f))))}`);
}
// A gzip member with a file name in its header (Python's gzip module wrote it).
const named = unb64("H4sICAAAAAAC/2EudHh0AMtIzcnJV0grys9VSFTIS8xNTVFIr8osUMhNzU1KLcqgQBYA9qfyNFoAAAA=");
out.push(new TextDecoder().decode(await collect(chunks(named, 3).pipeThrough(new DecompressionStream("gzip")))));
const gz = await collect(chunks(new TextEncoder().encode("checksum"), 4).pipeThrough(new CompressionStream("gzip")));
const flipped = gz.slice(); flipped[flipped.length - 6] ^= 1;
const cases = [["not gzip", "gzip", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]], ["bad deflate", "deflate", [0x78, 0x9c, 0xff, 0xff]],
  ["empty gzip", "gzip", []], ["cut short", "gzip", Array.from(gz.subarray(0, gz.length - 3))], ["bad checksum", "gzip", Array.from(flipped)],
  ["junk after", "deflate-raw", [...unb64("y0jNyclXyEAnAQ=="), 1, 2, 3]]];
for (const [what, f, bytes] of cases) {
  const r = await collect(chunks(new Uint8Array(bytes), 3).pipeThrough(new DecompressionStream(f))).then(() => "no error", () => "rejected");
  out.push(`${what}: ${r}`);
}
for (const f of ["br", undefined]) {
  try { new CompressionStream(f); } catch (e) { out.push(`${e instanceof TypeError} ${e.code} ${e.message}`); }
}
console.log(new CompressionStream("deflate"));
console.log(out.join("\n"));
"#,
    );
    assert_eq!(out, COMPRESSION_OUT);
}

#[test]
fn a_memory_cap_counts_compression_state() {
    // Each codec's state (about 320 KiB to compress) counts against --max-memory: under
    // 32 MiB, 200 streams do not fit, and finished ones give their share back.
    let d = dir();
    let f = write(
        &d,
        "t.mjs",
        r#"const kept = [];
let error = "none";
try { for (let i = 0; i < 200; i++) kept.push(new CompressionStream("gzip")); } catch (e) { error = `${e.name}`; }
const made = kept.length;
// Finishing them gives their memory back: as many can be made again.
for (const c of kept) { const w = c.writable.getWriter(); w.close(); for await (const _ of c.readable) {} }
kept.length = 0;
let again = 0;
try { for (let i = 0; i < made; i++) { kept.push(new CompressionStream("deflate")); again++; } } catch {}
console.log(error, made > 10 && made < 200, again === made);
"#,
    );
    let r = run(&["run", "--max-memory", "32MiB", &f]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout, "RangeError true true\n");
    assert_eq!(
        prints(&std::fs::read_to_string(&f).unwrap()),
        "none false true\n"
    );
}

#[test]
fn a_memory_cap_counts_bytes_made_in_rust() {
    // TextEncoder's bytes are made by an op in Rust, not by V8's allocator: they count
    // against --max-memory all the same (64 of 1 MiB each do not fit under 48 MiB), and
    // in memoryUsage().arrayBuffers.
    let d = dir();
    let f = write(
        &d,
        "t.mjs",
        r#"const s = "x".repeat(1 << 20);
const kept = [];
let error = "none";
try { for (let i = 0; i < 64; i++) kept.push(new TextEncoder().encode(s)); } catch (e) { error = `${e.name}: ${e.message}`; }
const made = kept.length;
console.log(error, made < 64, process.memoryUsage().arrayBuffers >= made * (1 << 20));
"#,
    );
    let r = run(&["run", "--max-memory", "48MiB", &f]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "RangeError: Array buffer allocation failed true true\n"
    );
    assert_eq!(
        prints(&std::fs::read_to_string(&f).unwrap()),
        "none false true\n"
    );
}

const COMPRESSION_OUT: &str = r#"CompressionStream {
  readable: ReadableStream { locked: false, state: 'readable', supportsBYOB: false },
  writable: WritableStream { locked: false, state: 'writable' }
}
gzip true true
gzip H4sIAAAAAAAAA8tIzcnJV8hAJwHjUT2NFwAAAA==
deflate true true
deflate eJzLSM3JyVfIQCcBaAMIsQ==
deflate-raw true true
deflate-raw y0jNyclXyEAnAQ==
hello from a named gzip memberhello from a named gzip memberhello from a named gzip member
not gzip: rejected
bad deflate: rejected
empty gzip: rejected
cut short: rejected
bad checksum: rejected
junk after: rejected
true ERR_INVALID_ARG_VALUE The argument 'format' is invalid. Received 'br'
true ERR_INVALID_ARG_VALUE The argument 'format' is invalid. Received undefined
"#;

#[test]
fn fetch_file_and_data_urls_and_streaming_compile() {
    let d = dir();
    let wasm =
        wat::parse_str(r#"(module (func (export "seven") (result i32) i32.const 7))"#).unwrap();
    fs::write(d.path().join("seven.wasm"), wasm).unwrap();
    write(&d, "data.json", r#"{"ok": true}"#);
    let f = write(
        &d,
        "t.mjs",
        r#"const j = await (await fetch(new URL("./data.json", import.meta.url))).json();
const t = await (await fetch("data:text/plain,hi%20there")).text();
const { instance } = await WebAssembly.instantiateStreaming(fetch(new URL("./seven.wasm", import.meta.url)));
const mod = await WebAssembly.compileStreaming(fetch(new URL("./seven.wasm", import.meta.url)));
console.log(j.ok, t, instance.exports.seven(), WebAssembly.Module.exports(mod)[0].name);
try { await fetch("file:///etc/hostname"); } catch (e) { console.log(e.name, e.message.includes("--allow-read")); }
try { await fetch("https://example.com/"); } catch (e) { console.log(e.name, e.message.includes("--allow-net=example.com:443")); }
"#,
    );
    let r = run(&["run", &f]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "true hi there 7 seven\nPermissionDenied true\nPermissionDenied true\n"
    );
}

#[test]
fn commonjs_and_esm_interop() {
    let d = dir();
    write(
        &d,
        "lib/math.cjs",
        "exports.add = (a, b) => a + b;\nexports.dir = __dirname;\n",
    );
    write(&d, "lib/data.json", r#"{"n": 5}"#);
    write(
        &d,
        "node_modules/pkg/package.json",
        r#"{"name": "pkg", "exports": {"require": "./main.cjs", "import": "./main.mjs"}}"#,
    );
    write(
        &d,
        "node_modules/pkg/main.cjs",
        "module.exports = function pkg() { return 'cjs'; };\n",
    );
    write(
        &d,
        "node_modules/pkg/main.mjs",
        "export default function pkg() { return 'esm'; }\n",
    );
    let main = write(
        &d,
        "main.cjs",
        r#"const { add, dir } = require("./lib/math.cjs");
const data = require("./lib/data.json");
const path = require("path");
const fs = require("node:fs");
console.log(add(2, 3), data.n, dir === path.join(__dirname, "lib"), require("pkg")());
console.log(require.resolve("./lib/math.cjs") === path.join(__dirname, "lib/math.cjs"), typeof module.exports, require.main === module);
fs.writeFileSync(path.join(__dirname, "out.txt"), "written");
console.log(fs.readFileSync(path.join(__dirname, "out.txt"), "utf8"), fs.existsSync(__filename), fs.statSync(__filename).isFile());
const b = Buffer.from("hi there");
console.log(b.toString("base64"), b.toString("hex"), Buffer.isBuffer(b), b.length);
try { require("./missing"); } catch (e) { console.log(e.code); }
"#,
    );
    let wd = d.path().to_string_lossy().into_owned();
    let allow_write = format!("--allow-write={wd}");
    let r = run(&["run", &allow_write, &main]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "5 5 true cjs\ntrue object true\nwritten true true\naGkgdGhlcmU= 6869207468657265 true 8\nMODULE_NOT_FOUND\n"
    );
    let esm = write(
        &d,
        "main.mjs",
        r#"import math, { add } from "./lib/math.cjs";
import pkg from "pkg";
import { createRequire } from "node:module";
import { readFileSync } from "fs";
import * as path from "node:path";
const require = createRequire(import.meta.url);
console.log(add(1, 2), math.add(3, 4), pkg(), require("pkg")(), path.basename(import.meta.filename));
console.log(readFileSync(new URL("./lib/data.json", import.meta.url), "utf8").trim());
"#,
    );
    let r = run(&["run", &esm]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout, "3 7 esm cjs main.mjs\n{\"n\": 5}\n");
}

#[test]
fn process_argv_exit_and_env() {
    let d = dir();
    let f = write(
        &d,
        "p.mjs",
        r#"console.log(process.argv.slice(2).join(","), process.platform, typeof process.versions.node);
process.stdout.write("partial ");
process.nextTick(() => console.log("tick"));
try { process.env.HOME; } catch (e) { console.log(e.name, e.message.includes("--allow-env")); }
process.exitCode = 3;
"#,
    );
    let r = run(&["run", &f, "a", "b"]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "a,b linux string\npartial PermissionDenied true\ntick\n"
    );
    let out = crate::warren_command()
        .args(["run", "--allow-env", &f])
        .env("HOME", "/home/x")
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&out.stdout).contains("PermissionDenied"));
    let f = write(
        &d,
        "exit.js",
        "console.log('before'); process.exit(7); console.log('after');\n",
    );
    let r = run(&["run", &f]);
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (7, "before\n", "")
    );
}

#[test]
fn reads_outside_allowed_paths_are_denied() {
    let d = dir();
    let outside = dir();
    let secret = write(&outside, "secret.txt", "top secret");
    let f = write(
        &d,
        "read.cjs",
        &format!(
            r#"const fs = require("fs");
console.log(fs.readFileSync(__filename, "utf8").length > 0);
try {{ fs.readFileSync({secret:?}, "utf8"); }} catch (e) {{ console.log(e.name + ": " + e.message); }}
try {{ fs.writeFileSync(__dirname + "/x.txt", "no"); }} catch (e) {{ console.log(e.name, e.message.includes("--allow-write")); }}
"#
        ),
    );
    let r = run(&["run", &f]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines[0], "true");
    assert_eq!(
        lines[1],
        format!(
            "PermissionDenied: read access to \"{secret}\" is not allowed; run again with --allow-read={secret} (or -A)"
        )
    );
    assert_eq!(lines[2], "PermissionDenied true");
    // Granting it makes the read work.
    let grant = format!("--allow-read={}", outside.path().display());
    let r = run(&["run", &grant, &f]);
    assert_eq!(r.stdout, "true\nPermissionDenied true\n", "{}", r.stderr);
    let r = run(&["run", "-A", &f]);
    assert_eq!(r.stdout, "true\n", "{}", r.stderr);
}

#[test]
fn fs_write_sync_to_standard_streams() {
    // Go's wasm_exec.js and some Emscripten builds print through fs.writeSync(1, ...).
    let d = dir();
    let f = write(
        &d,
        "fd.cjs",
        r#"const fs = require("fs");
fs.writeSync(1, Buffer.from("bytes\n"));
fs.writeSync(1, "text\n");
fs.writeSync(1, new TextEncoder().encode("xxpartial\n"), 2, 8);
try { fs.writeSync(9, "x"); } catch (e) { console.log(e.code); }
"#,
    );
    let r = run(&["run", &f]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout, "bytes\ntext\npartial\nEBADF\n");
}

#[test]
fn exit_from_a_promise_job_or_timer_ends_the_program() {
    let d = dir();
    let f = write(
        &d,
        "job.mjs",
        "Promise.resolve().then(() => { console.log('in job'); process.exit(4); });\nsetTimeout(() => console.log('never'), 50);\n",
    );
    let r = run(&["run", &f]);
    assert_eq!((r.code, r.stdout.as_str()), (4, "in job\n"), "{}", r.stderr);
    let f = write(
        &d,
        "timer.cjs",
        "setTimeout(() => { process.exitCode = 9; process.exit(); }, 1);\nsetTimeout(() => console.log('never'), 80);\n",
    );
    let r = run(&["run", &f]);
    assert_eq!((r.code, r.stdout.as_str()), (9, ""), "{}", r.stderr);
}

/// HMAC through crypto.subtle, against RFC 4231's vectors (a short key, and one longer than
/// the hash's block, which is hashed first), with verify, JWK round trips and key usages.
#[test]
fn crypto_subtle_signs_and_verifies_hmac() {
    let d = dir();
    let f = write(
        &d,
        "hmac.mjs",
        r#"const enc = new TextEncoder();
const hex = (b) => Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, "0")).join("");
const key = (raw, hash, usages = ["sign", "verify"]) =>
  crypto.subtle.importKey("raw", raw, { name: "HMAC", hash }, true, usages);
const jefe = enc.encode("Jefe");
const msg = enc.encode("what do ya want for nothing?");
const k256 = await key(jefe, "SHA-256");
console.log(hex(await crypto.subtle.sign("HMAC", k256, msg)));
console.log(hex(await crypto.subtle.sign({ name: "HMAC" }, await key(jefe, { name: "SHA-512" }), msg)));
const big = await key(new Uint8Array(131).fill(0xaa), "SHA-256");
console.log(hex(await crypto.subtle.sign("HMAC", big, enc.encode("Test Using Larger Than Block-Size Key - Hash Key First"))));
const sig = await crypto.subtle.sign("HMAC", k256, msg);
const bad = new Uint8Array(sig).slice(); bad[31] ^= 1;
console.log(await crypto.subtle.verify("HMAC", k256, sig, msg), await crypto.subtle.verify("HMAC", k256, bad, msg),
  await crypto.subtle.verify("HMAC", k256, sig.slice(0, 16), msg));
const jwk = await crypto.subtle.exportKey("jwk", k256);
console.log(jwk.kty, jwk.k, jwk.alg, k256.type, k256.algorithm.hash.name, k256.algorithm.length, k256 instanceof CryptoKey);
const back = await crypto.subtle.importKey("jwk", jwk, { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
console.log(await crypto.subtle.verify("HMAC", back, sig, msg));
for (const attempt of [
  () => crypto.subtle.sign("HMAC", back, msg),
  () => crypto.subtle.exportKey("raw", back),
  () => crypto.subtle.importKey("raw", jefe, { name: "AES-GCM" }, false, ["encrypt"]),
]) {
  try { await attempt(); console.log("no error"); } catch (e) { console.log(e.name); }
}
const gen = await crypto.subtle.generateKey({ name: "HMAC", hash: "SHA-384" }, true, ["sign"]);
console.log(gen.algorithm.length, (await crypto.subtle.exportKey("raw", gen)).byteLength);
"#,
    );
    let r = run(&["run", &f]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843\n\
         164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737\n\
         60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54\n\
         true false false\n\
         oct SmVmZQ HS256 secret SHA-256 32 true\n\
         true\n\
         InvalidAccessError\n\
         InvalidAccessError\n\
         DataError\n\
         1024 128\n"
    );
}

/// crypto.subtle's keyed algorithms beyond HMAC: AES-GCM, PBKDF2 and HKDF against published
/// vectors (NIST's GCM test cases 2 and 3, RFC 6070, RFC 5869); RSASSA-PKCS1-v1_5, ECDSA
/// and Ed25519 keys made by Node (SPKI and JWK), whose signatures verify here and whose
/// deterministic ones (RSA PKCS#1 v1.5, Ed25519) are made here byte for byte; keys made
/// here through every format and back, wrapped and unwrapped; and the errors WebCrypto
/// names for bad keys, wrong usages and what is not supported.
#[test]
fn crypto_subtle_encrypts_derives_and_signs_with_public_keys() {
    let d = dir();
    let f = write(
        &d,
        "subtle.mjs",
        &(String::from("const fx = ") + SUBTLE_FIXTURES + SUBTLE_JS),
    );
    let r = run(&["run", &f]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "0388dace60b6a392f328c2b971b2fe78ab6e47d42cec13bdf53a67b21257bddf\n\
         4d5c2af327cd64a62cf35abd2ba6fab4\n\
         secret OperationError OperationError\n\
         ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957\n\
         3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865\n\
         AES-GCM 256 32\n\
         2048 010001 public private true false true true\n\
         true false\n\
         true true\n\
         P-256 verify sign true true true true true EC string\n\
         P-384 verify sign true true true true true EC string\n\
         Ed25519 verify sign true true true true true OKP string\n\
         true false\n\
         DataError DataError DataError DataError NotSupportedError NotSupportedError \
         NotSupportedError InvalidAccessError NotSupportedError SyntaxError InvalidAccessError\n"
    );
}

const SUBTLE_JS: &str = r#";
const s = crypto.subtle;
const enc = new TextEncoder();
const hex = (b) => Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, "0")).join("");
const bytes = (h) => Uint8Array.from(h.match(/../g), (x) => parseInt(x, 16));
const un64 = (t) => Uint8Array.from(atob(t), (c) => c.charCodeAt(0));
const name = async (f) => {
  try { await f(); return "no error"; } catch (e) { return `${e.name}${e instanceof DOMException ? "" : "(not a DOMException)"}`; }
};
// AES-GCM: NIST's test case 2 (zero key and iv, 16 zero bytes), case 3's tag.
const zero = await s.importKey("raw", new Uint8Array(16), "AES-GCM", true, ["encrypt", "decrypt"]);
console.log(hex(await s.encrypt({ name: "AES-GCM", iv: new Uint8Array(12) }, zero, new Uint8Array(16))));
const k3 = await s.importKey("raw", bytes("feffe9928665731c6d6a8f9467308308"), "AES-GCM", false, ["encrypt"]);
const p3 = bytes("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255");
const iv3 = bytes("cafebabefacedbaddecaf888");
console.log(hex(await s.encrypt({ name: "AES-GCM", iv: iv3 }, k3, p3)).slice(-32));
const aad = enc.encode("header");
const ct = await s.encrypt({ name: "AES-GCM", iv: iv3, additionalData: aad }, zero, enc.encode("secret"));
console.log(new TextDecoder().decode(await s.decrypt({ name: "AES-GCM", iv: iv3, additionalData: aad }, zero, ct)),
  await name(() => s.decrypt({ name: "AES-GCM", iv: iv3 }, zero, ct)),
  await name(() => s.decrypt({ name: "AES-GCM", iv: iv3, additionalData: aad }, zero, new Uint8Array(ct).map((b, i) => (i === 0 ? b ^ 1 : b)))));
// PBKDF2 (RFC 6070: SHA-1, 2 iterations) and HKDF (RFC 5869 test case 1).
const pw = await s.importKey("raw", enc.encode("password"), "PBKDF2", false, ["deriveBits", "deriveKey"]);
console.log(hex(await s.deriveBits({ name: "PBKDF2", hash: "SHA-1", salt: enc.encode("salt"), iterations: 2 }, pw, 160)));
const ikm = await s.importKey("raw", new Uint8Array(22).fill(0x0b), "HKDF", false, ["deriveBits"]);
const salt = Uint8Array.from({ length: 13 }, (_, i) => i);
const info = Uint8Array.from({ length: 10 }, (_, i) => 0xf0 + i);
console.log(hex(await s.deriveBits({ name: "HKDF", hash: "SHA-256", salt, info }, ikm, 336)));
const derived = await s.deriveKey({ name: "PBKDF2", hash: "SHA-256", salt: enc.encode("salt"), iterations: 1000 }, pw,
  { name: "AES-GCM", length: 256 }, true, ["encrypt"]);
console.log(derived.algorithm.name, derived.algorithm.length, (await s.exportKey("raw", derived)).byteLength);
// Node's keys: its signatures verify, and the deterministic ones are made here the same.
const msg = enc.encode("signed by node");
const rsa = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
const rsPub = await s.importKey("spki", un64(fx.rsSpki), rsa, true, ["verify"]);
const rsPriv = await s.importKey("jwk", fx.rsJwk, rsa, true, ["sign"]);
console.log(rsPub.algorithm.modulusLength, hex(rsPub.algorithm.publicExponent), rsPub.type, rsPriv.type,
  await s.verify("RSASSA-PKCS1-v1_5", rsPub, un64(fx.rsSig), msg),
  await s.verify("RSASSA-PKCS1-v1_5", rsPub, un64(fx.rsSig), enc.encode("signed by nodf")),
  hex(await s.sign("RSASSA-PKCS1-v1_5", rsPriv, msg)) === hex(un64(fx.rsSig)),
  btoa(String.fromCharCode(...new Uint8Array(await s.exportKey("spki", rsPub)))) === fx.rsSpki);
const es = { name: "ECDSA", namedCurve: "P-256" };
const esPub = await s.importKey("spki", un64(fx.esSpki), es, false, ["verify"]);
console.log(await s.verify({ name: "ECDSA", hash: "SHA-256" }, esPub, un64(fx.esSig), msg),
  await s.verify({ name: "ECDSA", hash: "SHA-256" }, esPub, un64(fx.esSig), enc.encode("signed by nodf")));
const edPriv = await s.importKey("jwk", fx.edJwk, "Ed25519", true, ["sign"]);
const edPub = await s.importKey("jwk", { kty: "OKP", crv: "Ed25519", x: fx.edJwk.x }, "Ed25519", true, ["verify"]);
console.log(hex(await s.sign("Ed25519", edPriv, msg)) === hex(un64(fx.edSig)), await s.verify("Ed25519", edPub, un64(fx.edSig), msg));
// Keys made here, through every format and back.
let esPriv;
for (const [alg, hash] of [[es, "SHA-256"], [{ name: "ECDSA", namedCurve: "P-384" }, "SHA-384"], [{ name: "Ed25519" }, undefined]]) {
  const { publicKey, privateKey } = await s.generateKey(alg, true, ["sign", "verify"]);
  esPriv ??= privateKey;
  const how = { ...alg, hash };
  const sig = await s.sign(how, privateKey, enc.encode("m"));
  const fromSpki = await s.importKey("spki", await s.exportKey("spki", publicKey), alg, true, ["verify"]);
  const fromRaw = await s.importKey("raw", await s.exportKey("raw", publicKey), alg, true, ["verify"]);
  const fromPkcs8 = await s.importKey("pkcs8", await s.exportKey("pkcs8", privateKey), alg, true, ["sign"]);
  const jwk = await s.exportKey("jwk", privateKey);
  const fromJwk = await s.importKey("jwk", jwk, alg, true, ["sign"]);
  console.log(alg.namedCurve ?? alg.name, publicKey.usages.join(), privateKey.usages.join(), publicKey.extractable,
    await s.verify(how, fromSpki, sig, enc.encode("m")), await s.verify(how, fromRaw, sig, enc.encode("m")),
    await s.verify(how, publicKey, await s.sign(how, fromPkcs8, enc.encode("p")), enc.encode("p")),
    await s.verify(how, publicKey, await s.sign(how, fromJwk, enc.encode("j")), enc.encode("j")),
    jwk.kty, typeof jwk.d);
}
const wrapper = await s.generateKey({ name: "AES-GCM", length: 128 }, false, ["wrapKey", "unwrapKey"]);
const wrapped = await s.wrapKey("jwk", edPriv, wrapper, { name: "AES-GCM", iv: iv3 });
const unwrapped = await s.unwrapKey("jwk", wrapped, wrapper, { name: "AES-GCM", iv: iv3 }, "Ed25519", false, ["sign"]);
console.log(hex(await s.sign("Ed25519", unwrapped, msg)) === hex(un64(fx.edSig)), unwrapped.extractable);
// What WebCrypto names each error.
console.log([
  await name(() => s.importKey("raw", new Uint8Array(64), es, true, ["verify"])),
  await name(() => s.importKey("spki", un64(fx.rsSpki), es, true, ["verify"])),
  await name(() => s.importKey("jwk", { ...fx.edJwk, x: fx.rsJwk.e }, "Ed25519", true, ["sign"])),
  await name(() => s.importKey("raw", new Uint8Array(5), "AES-GCM", true, ["encrypt"])),
  await name(() => s.generateKey({ name: "RSASSA-PKCS1-v1_5", hash: "SHA-256", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) }, true, ["sign"])),
  await name(() => s.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt: enc.encode("s"), iterations: 100001 }, pw, 256)),
  await name(() => s.sign({ name: "ECDSA", hash: "SHA-384" }, esPriv, msg)),
  await name(() => s.sign("Ed25519", edPub, msg)),
  await name(() => s.encrypt({ name: "AES-GCM", iv: new Uint8Array(8) }, zero, msg)),
  await name(() => s.importKey("raw", enc.encode("k"), "PBKDF2", true, ["deriveBits"])),
  await name(() => s.exportKey("raw", unwrapped)),
].join(" "));
"#;

/// Malformed keys (cut short, bits flipped, random bytes) for every asymmetric algorithm
/// and format: importKey rejects each with a DOMException WebCrypto names, never
/// anything else (a panic in the ops would surface as a plain Error).
/// AES-CBC, AES-CTR and AES-KW against NIST's and RFC 3394's vectors; the expected lines
/// are Node 20's for the same script (OpenSSL's WebCrypto).
#[test]
fn crypto_subtle_aes_cbc_ctr_and_key_wrap_agree_with_node() {
    let d = dir();
    let f = write(
        &d,
        "aes.mjs",
        r#"// NIST SP 800-38A F.2.1 (CBC) and F.5.1 (CTR), RFC 3394 4.1 (key wrap).
const hexOf = (b) => Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, "0")).join("");
const bytesOf = (h) => new Uint8Array(h.match(/../g).map((x) => parseInt(x, 16)));
const s = crypto.subtle;
const nistKey = bytesOf("2b7e151628aed2a6abf7158809cf4f3c");
const block = bytesOf("6bc1bee22e409f96e93d7e117393172a");
const cbc = await s.importKey("raw", nistKey, "AES-CBC", false, ["encrypt", "decrypt"]);
const c1 = await s.encrypt({ name: "AES-CBC", iv: bytesOf("000102030405060708090a0b0c0d0e0f") }, cbc, block);
console.log("cbc", hexOf(c1).slice(0, 32), new Uint8Array(c1).length);
const ctr = await s.importKey("raw", nistKey, "AES-CTR", false, ["encrypt"]);
const c2 = await s.encrypt({ name: "AES-CTR", counter: bytesOf("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"), length: 64 }, ctr, block);
console.log("ctr", hexOf(c2));
const kek = await s.importKey("raw", bytesOf("000102030405060708090a0b0c0d0e0f"), "AES-KW", false, ["wrapKey", "unwrapKey"]);
const data = await s.importKey("raw", bytesOf("00112233445566778899aabbccddeeff"), "AES-CBC", true, ["encrypt"]);
console.log("kw", hexOf(await s.wrapKey("raw", data, kek, "AES-KW")));
try {
  await s.unwrapKey("raw", new Uint8Array(24), kek, "AES-KW", "AES-CBC", true, ["encrypt"]);
} catch (e) { console.log("kw tampered", e.name); }
// Round trips, 192-bit keys, bad padding, counters of 64 and 4 bits (which wrap within
// the message), a message the counter cannot cover, AES-KW refusing to encrypt.
const enc = new TextEncoder(), dec = new TextDecoder();
const hex = (b) => Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, "0")).join("");
const raw = new Uint8Array(16).map((_, i) => i);
const raw24 = new Uint8Array(24).map((_, i) => i);
const iv = new Uint8Array(16).fill(7);
const out = [];
for (const k of [raw, raw24]) {
  const key = await crypto.subtle.importKey("raw", k, "AES-CBC", true, ["encrypt", "decrypt"]);
  const c = await crypto.subtle.encrypt({ name: "AES-CBC", iv }, key, enc.encode("hello, cbc world!"));
  out.push(["cbc", k.length, hex(c), dec.decode(await crypto.subtle.decrypt({ name: "AES-CBC", iv }, key, c))]);
  try { await crypto.subtle.decrypt({ name: "AES-CBC", iv }, key, new Uint8Array(16)); } catch (e) { out.push(["badpad", e.name]); }
}
const ck = await crypto.subtle.importKey("raw", raw, "AES-CTR", false, ["encrypt", "decrypt"]);
for (const length of [128, 64, 4]) {
  const counter = new Uint8Array(16).fill(0xff); counter[0] = 1;
  try {
    const c = await crypto.subtle.encrypt({ name: "AES-CTR", counter, length }, ck, enc.encode("a".repeat(40)));
    out.push(["ctr", length, hex(c), dec.decode(await crypto.subtle.decrypt({ name: "AES-CTR", counter, length }, ck, c))]);
  } catch (e) { out.push(["ctr", length, e.name]); }
}
try { await crypto.subtle.encrypt({ name: "AES-CTR", counter: new Uint8Array(16), length: 1 }, ck, new Uint8Array(48)); } catch (e) { out.push(["wrap", e.name]); }
const kek2 = await crypto.subtle.importKey("raw", raw, "AES-KW", true, ["wrapKey", "unwrapKey"]);
const inner = await crypto.subtle.importKey("raw", new Uint8Array(32).fill(9), "AES-GCM", true, ["encrypt"]);
const wrapped = await crypto.subtle.wrapKey("raw", inner, kek2, "AES-KW");
const back = await crypto.subtle.unwrapKey("raw", wrapped, kek2, "AES-KW", "AES-GCM", true, ["encrypt"]);
out.push(["kw", hex(wrapped), hex(await crypto.subtle.exportKey("raw", back))]);
try { await crypto.subtle.encrypt("AES-KW", kek2, new Uint8Array(16)); } catch (e) { out.push(["kwenc", e.name]); }
const g = await crypto.subtle.generateKey({ name: "AES-CBC", length: 192 }, true, ["encrypt"]);
out.push(["gen", g.algorithm.name, g.algorithm.length, (await crypto.subtle.exportKey("jwk", g)).alg]);
console.log(JSON.stringify(out));
"#,
    );
    let r = run(&["run", &f]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "cbc 7649abac8119b246cee98e9b12e9197d 32\n\
ctr 874d6191b620e3261bef6864990db6ce\n\
kw 1fa68b0a8112b447aef34bd8fb5a7b829d3e862371d2cfe5\n\
kw tampered OperationError\n\
[[\"cbc\",16,\"88036077c047ef610543e456b04a34558dcea5148efaa62b2e3424768912f915\",\"hello, cbc world!\"],[\"badpad\",\"OperationError\"],[\"cbc\",24,\"e5b82da034eac79ba50d81dda19ba1fedcc1b40278507b6d5cdbec24028b8bc6\",\"hello, cbc world!\"],[\"badpad\",\"OperationError\"],[\"ctr\",128,\"777cf07fcbca562b3a2d467bdcda53069aeb827ac4bafdccf6572ce643b5124715dcb48a26d2a415\",\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"],[\"ctr\",64,\"777cf07fcbca562b3a2d467bdcda5306a3247cf359af223423af6bce656fefa3e31ab585c7af8c6a\",\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"],[\"ctr\",4,\"777cf07fcbca562b3a2d467bdcda5306728f1e1c9db4286e0e1a2d99f0e424d4c91a80e36d8be5de\",\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"],[\"wrap\",\"OperationError\"],[\"kw\",\"abb2ed29b2b13badca8fff014ab700074a8f0f721b1c02d1e141a6be7995a762c102c81148f88cb5\",\"0909090909090909090909090909090909090909090909090909090909090909\"],[\"kwenc\",\"NotSupportedError\"],[\"gen\",\"AES-CBC\",192,\"A192CBC\"]]\n"
    );
}

/// ECDH (P-256, P-384) and X25519: generated pairs agree, keys round-trip through every
/// format, deriveKey and short lengths, RFC 7748's X25519 example, and the refusals; the
/// expected lines are Node 20's for the same script.
#[test]
fn crypto_subtle_ecdh_and_x25519_agree_with_node() {
    let d = dir();
    let f = write(
        &d,
        "ecdh.mjs",
        r#"const s = crypto.subtle;
const hex = (b) => Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, "0")).join("");
const out = [];
for (const [name, params, pubs] of [["ECDH", { name: "ECDH", namedCurve: "P-256" }, ["spki", "raw", "jwk"]], ["ECDH", { name: "ECDH", namedCurve: "P-384" }, ["spki", "raw", "jwk"]], ["X25519", { name: "X25519" }, ["spki", "raw", "jwk"]]]) {
  const a = await s.generateKey(params, true, ["deriveBits", "deriveKey"]);
  const b = await s.generateKey(params, true, ["deriveBits"]);
  const ab = await s.deriveBits({ name, public: b.publicKey }, a.privateKey, null);
  const ba = await s.deriveBits({ name, public: a.publicKey }, b.privateKey, null);
  out.push([name, params.namedCurve ?? "", new Uint8Array(ab).length, hex(ab) === hex(ba), a.publicKey.usages.length, a.privateKey.usages.join(), JSON.stringify(a.privateKey.algorithm)]);
  // Round trips through every format give the same secret.
  for (const f of pubs) {
    const e = await s.exportKey(f, b.publicKey);
    const back = await s.importKey(f, e, params, true, []);
    const again = await s.deriveBits({ name, public: back }, a.privateKey, null);
    out.push([f, hex(again) === hex(ab)]);
  }
  for (const f of ["pkcs8", "jwk"]) {
    const e = await s.exportKey(f, a.privateKey);
    const back = await s.importKey(f, e, params, false, ["deriveBits"]);
    out.push(["private " + f, hex(await s.deriveBits({ name, public: b.publicKey }, back, null)) === hex(ab), f === "jwk" ? [e.kty, e.crv, e.alg ?? "none", e.key_ops.join()].join() : ""]);
  }
  const k = await s.deriveKey({ name, public: b.publicKey }, a.privateKey, { name: "AES-GCM", length: 128 }, true, ["encrypt"]);
  out.push(["deriveKey", hex(await s.exportKey("raw", k)) === hex(ab).slice(0, 32)]);
  const bits = await s.deriveBits({ name, public: b.publicKey }, a.privateKey, 12);
  out.push(["12 bits", new Uint8Array(bits).length, (new Uint8Array(bits)[1] & 0x0f) === 0]);
  try { await s.deriveBits({ name, public: b.publicKey }, a.privateKey, 4096); } catch (e) { out.push(["too long", e.name]); }
  try { await s.deriveBits({ name, public: a.privateKey }, b.privateKey, null); } catch (e) { out.push(["private peer", e.name]); }
  try { await s.importKey("raw", (await s.exportKey("raw", b.publicKey)), params, true, ["deriveBits"]); } catch (e) { out.push(["public usages", e.name]); }
}
// RFC 7748 6.1's X25519 example.
const alicePriv = "302e020100300506032b656e04220420" + "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
const bobPub = "302a300506032b656e032100" + "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f";
const bytes = (h) => new Uint8Array(h.match(/../g).map((x) => parseInt(x, 16)));
const ap = await s.importKey("pkcs8", bytes(alicePriv), "X25519", false, ["deriveBits"]);
const bp = await s.importKey("spki", bytes(bobPub), "X25519", false, []);
out.push(["rfc7748", hex(await s.deriveBits({ name: "X25519", public: bp }, ap, 256))]);
// A small-order peer point (all zeros) gives an all-zero secret: refused.
const zero = await s.importKey("raw", new Uint8Array(32), "X25519", false, []);
try { await s.deriveBits({ name: "X25519", public: zero }, ap, 256); } catch (e) { out.push(["small order", e.name]); }
// An ECDH key on the other curve is refused.
const p256 = await s.generateKey({ name: "ECDH", namedCurve: "P-256" }, false, ["deriveBits"]);
const p384 = await s.generateKey({ name: "ECDH", namedCurve: "P-384" }, false, ["deriveBits"]);
try { await s.deriveBits({ name: "ECDH", public: p384.publicKey }, p256.privateKey, null); } catch (e) { out.push(["curves", e.name]); }
console.log(out.map((l) => JSON.stringify(l)).join("\n"));
"#,
    );
    let r = run(&["run", &f]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "[\"ECDH\",\"P-256\",32,true,0,\"deriveKey,deriveBits\",\"{\\\"name\\\":\\\"ECDH\\\",\\\"namedCurve\\\":\\\"P-256\\\"}\"]\n\
[\"spki\",true]\n\
[\"raw\",true]\n\
[\"jwk\",true]\n\
[\"private pkcs8\",true,\"\"]\n\
[\"private jwk\",true,\"EC,P-256,none,deriveKey,deriveBits\"]\n\
[\"deriveKey\",true]\n\
[\"12 bits\",2,true]\n\
[\"too long\",\"OperationError\"]\n\
[\"private peer\",\"InvalidAccessError\"]\n\
[\"public usages\",\"SyntaxError\"]\n\
[\"ECDH\",\"P-384\",48,true,0,\"deriveKey,deriveBits\",\"{\\\"name\\\":\\\"ECDH\\\",\\\"namedCurve\\\":\\\"P-384\\\"}\"]\n\
[\"spki\",true]\n\
[\"raw\",true]\n\
[\"jwk\",true]\n\
[\"private pkcs8\",true,\"\"]\n\
[\"private jwk\",true,\"EC,P-384,none,deriveKey,deriveBits\"]\n\
[\"deriveKey\",true]\n\
[\"12 bits\",2,true]\n\
[\"too long\",\"OperationError\"]\n\
[\"private peer\",\"InvalidAccessError\"]\n\
[\"public usages\",\"SyntaxError\"]\n\
[\"X25519\",\"\",32,true,0,\"deriveKey,deriveBits\",\"{\\\"name\\\":\\\"X25519\\\"}\"]\n\
[\"spki\",true]\n\
[\"raw\",true]\n\
[\"jwk\",true]\n\
[\"private pkcs8\",true,\"\"]\n\
[\"private jwk\",true,\"OKP,X25519,none,deriveKey,deriveBits\"]\n\
[\"deriveKey\",true]\n\
[\"12 bits\",2,true]\n\
[\"too long\",\"OperationError\"]\n\
[\"private peer\",\"InvalidAccessError\"]\n\
[\"public usages\",\"SyntaxError\"]\n\
[\"rfc7748\",\"4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742\"]\n\
[\"small order\",\"OperationError\"]\n\
[\"curves\",\"InvalidAccessError\"]\n"
    );
}

#[test]
fn crypto_subtle_rejects_malformed_keys_with_webcrypto_errors() {
    let d = dir();
    let f = write(&d, "fuzz.mjs", FUZZ_JS);
    let r = run(&["run", &f]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout, "DataError NotSupportedError ok\n");
}

const FUZZ_JS: &str = r#"const s = crypto.subtle;
const algs = [{ name: "ECDSA", namedCurve: "P-256" }, { name: "ECDSA", namedCurve: "P-384" }, { name: "Ed25519" }, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, { name: "RSA-PSS", hash: "SHA-512" }];
const counts = {};
let seed = 7;
const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
for (const alg of algs) {
  const real = alg.name.startsWith("RSA") ? null : await s.generateKey(alg, true, ["sign", "verify"]);
  const samples = [];
  if (real) {
    const spki = new Uint8Array(await s.exportKey("spki", real.publicKey));
    const pkcs8 = new Uint8Array(await s.exportKey("pkcs8", real.privateKey));
    for (let n = 0; n < spki.length; n += 3) samples.push(["spki", spki.slice(0, n)]);
    for (let n = 0; n < pkcs8.length; n += 3) samples.push(["pkcs8", pkcs8.slice(0, n)]);
    for (let i = 0; i < 40; i++) { const b = pkcs8.slice(); b[Math.floor(rnd() * b.length)] ^= 1 << Math.floor(rnd() * 8); samples.push(["pkcs8", b]); }
    for (let i = 0; i < 40; i++) { const b = spki.slice(); b[Math.floor(rnd() * b.length)] ^= 1 << Math.floor(rnd() * 8); samples.push(["spki", b]); }
  }
  for (let i = 0; i < 100; i++) samples.push([["spki", "pkcs8", "raw"][i % 3], Uint8Array.from({ length: Math.floor(rnd() * 200) }, () => Math.floor(rnd() * 256))]);
  for (const [format, bytes] of samples) {
    let r;
    try { const k = await s.importKey(format, bytes, alg, true, format === "pkcs8" ? ["sign"] : ["verify"]); r = "ok"; } catch (e) { r = e.name; }
    counts[r] = (counts[r] ?? 0) + 1;
  }
}
console.log(Object.keys(counts).sort().join(" "));
"#;

/// Keys made by Node 20's WebCrypto for the test above: an RSA key (SPKI, private JWK) and
/// its RSASSA-PKCS1-v1_5 SHA-256 signature of "signed by node", a P-256 key's SPKI and
/// ECDSA signature, an Ed25519 private JWK and its signature.
const SUBTLE_FIXTURES: &str = r#"{"rsJwk":{"kty":"RSA","n":"vN9YGKspevnGbkgBCaq_QvuHq8cFx5p3P5BO2I9pLajyOpmpKDHI7O71YiaqiiLal-rVsSHp3Ge7jzNaEmlMxuNio1hdAXhWzDkfHVI6NzhzQJF_CXLJwgcI8f79eXK2ijHMY0yrb07LW7E_WpPa6ImG-YBl_wvaJmKRJNllNRMM12bdJW1j8YcArSHRhYikL3oBI-xFvscb_lGyUBFWhbVb_fgWVCc7sshhP9rNcv640YDBKpoA8iR3eQktZWYx-NokJe-mq-N90dZ_cRx3zl5sXd4LOxVCrTmxTAiltCgBu0ZJc5ERfLDU1calj4Azop5R4QJqwvO_Dbmx8_ln4Q","e":"AQAB","d":"DN4HFvB7lsyzIj_r44LgnTQcq0JtAuBjn7l5nahbiTL5hFjZR4s-EzeOZnLtlb6dIidrX9zIcsMVv0JHhc9AXfZkzxhjMbPx7zTfCUouUXpvjlEQlLi0xRq3QcwA7HK5ET4mR1zppbTPsZNS68f8lxteI4ZbVzOxV4HJ6KGaPbIh9NzzcYA2xcmi3OJW7rTPvv4RAIuxcn1HbODVDbkQvegnFWp_gDOkQhjnPfQSTcaUHQ7MQZXcvDH4D5befn7sALPM8OqfNunjgfU5kApqKn9pYeTm_16w0M5coDLN3wVYfjGxc3iVqAVd7RH5lDzBuEe9o-Z7eeOzjXJ4_f10Jw","p":"8dVMSKw3rjjhzrGJOoYVJ24DzgLzsdMKZ8-iOJ531tiGgepOB_RZT-nWZCiUJsohbwCkog_tgIvBXovPvlwsuMlaT4g8JE83Cilo8mvcDEiFItDAqI3rj50SY-hSoYkH7inJKyQ7B5iM0sjdkQrCVqMfwcm2LkEoL5SCFS97RJs","q":"x-_PIEX4X04ITZlT988GjzNmqWYjCUd2ms-xJs9cN5OsksFXw2UK5EKWAC0c6gBIBweS7pWu-jMRgHH5FlphV34yMCRc7rUtSGzSh5ZCFJrjEfR_AgKB-mtMsJ4B8g9cnSpKZ7OMrGghB47yY4ucxdJ8tDb6n8_7qPEUJycHhzM","dp":"hqU00O2aHtWq29M7Tatj0c1OLwCzwFl5XK1da9rHbIan9WOISKOCqpzOcnupaSN3k_8uqtDlcoHdiw-a_ikB-WyabNe0bJ7yTSUbOoZVQT2LawQBkJdcBVz15Uxv3WKXWMJJMEz-1M7Z8W5G9r-fzm8KenIdjglXH463EqaaIms","dq":"o-IOnj6cSsp0hd7TdAGvN7wDP4Fn4JhCQL1TUSORTEDwqM5wOMpe9iEaQQS5eZlHcPOlXYk2BwHLK8TATrFAru3TB6EWx9ecSYxhuR_SBH-89p-5Z5VUo0ZGc1Lg91_eIzliCcSj30HvKPnj9vKeS4ywCSwznMFnX-BUC4-zXP8","qi":"3W_9K7awtdBi3bAOdPszHDlADErqAyPWp1-s-Ht05AywK5uTgLQ0cS8aFA3rQw5Db69QRHjtvBxsc284mlbf8FHULyiJ1FUM6t5E3JpSEOSO8JWI1WRkUCw6B33pu5XiN52XTOXDmFihk4UeKSWmQGO4S2F_r5CvN9P4hVhMWZ8","alg":"RS256"},"rsSig":"mxH8FbqnW2kOx0K4Hu9SpyH+JFjSQluV0bwKHavC9YoS4iiuLJkpSO3i1zgx/kJKXjgC8RmlEpnL+BEaDU9pvL0R9MPQZsmgPLc7cS5AkQ5CwbpQqviDv29I161MNPcPVcJjrPFwoISYKXwTq7G3IrLoeBKCO1Rtxd0T8Ab/IaVwPnbAe1Kh1l0xwMPIqECiBwBtP/IRmb6Si1725H6yWDPY/C8ihdlvW+zyPZ3i9wdBAOEf3r4VqheqmNysxBi/DSG943i51B/nKVJvAOjpuc8Y/RGfhdT0c4w4HKEgB4Jx5nkgDFtVZ2vzoOl8+yMmHrpsMqbpVT6zavTTxQBp5g==","rsSpki":"MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAvN9YGKspevnGbkgBCaq/QvuHq8cFx5p3P5BO2I9pLajyOpmpKDHI7O71YiaqiiLal+rVsSHp3Ge7jzNaEmlMxuNio1hdAXhWzDkfHVI6NzhzQJF/CXLJwgcI8f79eXK2ijHMY0yrb07LW7E/WpPa6ImG+YBl/wvaJmKRJNllNRMM12bdJW1j8YcArSHRhYikL3oBI+xFvscb/lGyUBFWhbVb/fgWVCc7sshhP9rNcv640YDBKpoA8iR3eQktZWYx+NokJe+mq+N90dZ/cRx3zl5sXd4LOxVCrTmxTAiltCgBu0ZJc5ERfLDU1calj4Azop5R4QJqwvO/Dbmx8/ln4QIDAQAB","esSpki":"MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE57OZ5YKrhfLMXIhcoAh4EQlVu8HFd3WR1V/m7sn6MRpTvZbH7HYP2kOYIrQTV7lBUJfNoQoxNIjdn7C4m9g5gQ==","esSig":"Zbknb1EcUflzUCsN5vrjXO67j61DVGfe25C5hejiXc9O9FtJXGpwTS99DeAX7A1Fw1IgrMipqladCnQoHtoSDA==","edJwk":{"crv":"Ed25519","d":"1hHXICDyQTo1FSD1FE5Y_n2E5Y2fYeXdCv6JJ85EbZ0","x":"PgjXYnhJDAD7nzDVZ3NXeQHWx2upNzlYgyvFmXUeSWQ","kty":"OKP","alg":"Ed25519"},"edSig":"aoncQUHUeBXMNouHrGrQCVcN0mTm4O8IpECzEd1IMLa/7CjSqP69VKmQRpAt9rgTmrBxjmx/MKySfRo+tWU7CQ=="}"#;

/// URLPattern against web-platform-tests' data (`tests/wpt/urlpatterntestdata.json`, as
/// the urlpattern crate vendors it), checked as WPT's harness checks it: every case
/// passes but one, where the crate keeps a pathname unencoded under a protocol pattern
/// that may match a special scheme.
#[test]
fn url_pattern_passes_the_web_platform_tests() {
    let wpt = root().join("tests/wpt");
    let harness = wpt.join("urlpattern_harness.mjs");
    let r = run(&[
        "run",
        &format!("--allow-read={}", wpt.display()),
        harness.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "[{\"protocol\":\"(https|javascript)\",\"pathname\":\"var x = 1;\"}] \
         [{\"protocol\":\"javascript\",\"pathname\":\"var x = 1;\"}]: \
         pathname: \"var x = 1;\", expected \"var%20x%20=%201;\"\n\
         351 passed, 1 failed\n"
    );
}

/// URLPattern as a handler routes with it: named groups, a regexp group, a wildcard, a
/// base URL, ignoreCase, a lookahead (V8's RegExp, not Rust's), the inputs exec() echoes; a
/// pattern that does not parse, or that V8 refuses, is a TypeError.
#[test]
fn url_pattern_routes_requests() {
    let d = dir();
    let f = write(
        &d,
        "route.mjs",
        r#"const p = new URLPattern({ pathname: "/books/:id" });
console.log(p.pathname, p.protocol, p.hasRegExpGroups, p.test("https://example.com/books/123"),
  p.test("https://example.com/books"), JSON.stringify(p.exec("https://example.com/books/123?x=1")));
const api = new URLPattern("/api/:version(v\\d+)/*", "https://x.test");
console.log(api.protocol, api.hostname, api.pathname, api.hasRegExpGroups,
  JSON.stringify(api.exec("https://x.test/api/v2/a/b")?.pathname.groups), api.test("https://x.test/api/2/a"),
  api.test({ pathname: "/api/v3/z", protocol: "https", hostname: "x.test" }));
const ci = new URLPattern({ pathname: "/Admin/*" }, { ignoreCase: true });
console.log(ci.test({ pathname: "/admin/x" }), new URLPattern({ pathname: "/(a(?=b)b)" }).test({ pathname: "/ab" }));
for (const bad of [() => new URLPattern({ pathname: "/(a" }), () => new URLPattern("/relative"),
  () => new URLPattern({ pathname: "/(a{2,1})" })]) {
  try { bad(); console.log("no error"); } catch (e) { console.log(e.name, e.message.includes("regular expression")); }
}
console.log(Object.prototype.toString.call(p), typeof URLPattern);
"#,
    );
    let r = run(&["run", &f]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "/books/:id * false true false {\"inputs\":[\"https://example.com/books/123?x=1\"],\
         \"protocol\":{\"input\":\"https\",\"groups\":{\"0\":\"https\"}},\
         \"username\":{\"input\":\"\",\"groups\":{\"0\":\"\"}},\
         \"password\":{\"input\":\"\",\"groups\":{\"0\":\"\"}},\
         \"hostname\":{\"input\":\"example.com\",\"groups\":{\"0\":\"example.com\"}},\
         \"port\":{\"input\":\"\",\"groups\":{\"0\":\"\"}},\
         \"pathname\":{\"input\":\"/books/123\",\"groups\":{\"id\":\"123\"}},\
         \"search\":{\"input\":\"x=1\",\"groups\":{\"0\":\"x=1\"}},\
         \"hash\":{\"input\":\"\",\"groups\":{\"0\":\"\"}}}\n\
         https x.test /api/:version(v\\d+)/* true {\"0\":\"a/b\",\"version\":\"v2\"} false true\n\
         true true\n\
         TypeError false\n\
         TypeError false\n\
         TypeError true\n\
         [object URLPattern] function\n"
    );
}

/// MessageChannel: messages are cloned (a transferred buffer is detached), delivered in
/// order as tasks of their own (after the microtasks of the code that posted them), held
/// until the receiving port is started, and dropped once a port is closed; what cannot
/// be cloned throws DataCloneError as it is posted.
#[test]
fn message_channel_delivers_clones_in_order_once_started() {
    let d = dir();
    let f = write(
        &d,
        "channel.mjs",
        r#"const { port1, port2 } = new MessageChannel();
const got = [];
port2.onmessage = (e) => {
  got.push(e.data);
  if (got.length === 3) {
    console.log(JSON.stringify(got), e instanceof MessageEvent, e.type, got[2].byteLength);
    port2.close();
    port1.postMessage("after close");
  }
};
const sent = { a: 1 };
port1.postMessage(sent);
sent.a = 2;
port1.postMessage("two");
const buf = new Uint8Array([1, 2, 3]).buffer;
port1.postMessage(buf, [buf]);
console.log("posted", buf.byteLength);
try { port1.postMessage(() => 1); } catch (e) { console.log(e.name); }
Promise.resolve().then(() => console.log("microtask first"));
const late = new MessageChannel();
late.port1.postMessage("queued");
setTimeout(() => {
  late.port2.addEventListener("message", (e) => { console.log("late", e.data); late.port2.close(); });
  late.port2.start();
}, 20);
console.log(Object.prototype.toString.call(port1), typeof MessagePort, new MessageEvent("x", { data: 5 }).data);
"#,
    );
    let r = run(&["run", &f]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "posted 0\n\
         DataCloneError\n\
         [object MessagePort] function 5\n\
         microtask first\n\
         [{\"a\":1},\"two\",{}] true message 3\n\
         late queued\n"
    );
}

/// node:fs's write flags (wx refuses an existing file, a+ appends, r+ writes over the
/// start of an existing one), process.env writes and deletes kept in the process, and an
/// `exit` listener that calls process.exit(): each as Node 20 does it.
#[test]
fn node_write_flags_env_writes_and_exit_from_exit_agree_with_node() {
    let d = dir();
    let f = write(
        &d,
        "t.mjs",
        r#"import fs from "node:fs";
const dir = process.argv[2];
const f = `${dir}/f.txt`;
fs.writeFileSync(f, "original");
try { fs.writeFileSync(f, "x", { flag: "wx" }); } catch (e) { console.log("wx", e.code); }
fs.writeFileSync(f, "+more", { flag: "a+" });
fs.writeFileSync(f, "O", { flag: "r+" });
console.log(fs.readFileSync(f, "utf8"));
try { fs.writeFileSync(`${dir}/none.txt`, "x", { flag: "r+" }); } catch (e) { console.log("r+", e.code); }
fs.appendFileSync(f, "!");
console.log(fs.readFileSync(f, "utf8"));
process.env.MY_FLAG = "1";
delete process.env.HOME;
console.log(process.env.MY_FLAG, "MY_FLAG" in process.env, Object.keys(process.env).includes("MY_FLAG"), process.env.HOME, "HOME" in process.env);
process.on("exit", (c) => { console.log("exit", c); process.exit(2); });
process.exit(1);
"#,
    );
    let files = d.path().join("files");
    std::fs::create_dir(&files).unwrap();
    let files = files.to_str().unwrap();
    let read = format!("--allow-read={files}");
    let written = format!("--allow-write={files}");
    let r = run(&["run", &read, &written, "--allow-env", &f, files]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "wx EEXIST\nOriginal+more\nr+ ENOENT\nOriginal+more!\n1 true true undefined false\nexit 1\n"
    );
}

/// Node's modules as Node 20 runs them: each tests/node/NAME.mjs (assert and
/// assert/strict; process events) prints what Node printed into NAME.out, which
/// scripts/test.sh checks against node itself, and exits 0 as Node did.
#[test]
fn node_scripts_print_what_node_printed() {
    let dir = crate::root().join("tests/node");
    let mut scripts: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "mjs"))
        .collect();
    scripts.sort();
    assert!(scripts.len() >= 2, "{scripts:?}");
    for script in scripts {
        let r = run(&["run", script.to_str().unwrap()]);
        let name = script.file_name().unwrap().to_string_lossy();
        assert_eq!(r.code, 0, "{name}: {}", r.stderr);
        let want = std::fs::read_to_string(script.with_extension("out")).unwrap();
        for (i, (got, want)) in r.stdout.lines().zip(want.lines()).enumerate() {
            assert_eq!(got, want, "{name}, line {}", i + 1);
        }
        assert_eq!(
            r.stdout.lines().count(),
            want.lines().count(),
            "{name}: {}",
            r.stdout
        );
    }
}
