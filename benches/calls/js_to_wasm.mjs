// JS -> Wasm call cost under warren, node or deno: js_to_wasm.mjs INC.wasm N calls the
// export `inc` N times from a JS loop and prints nanoseconds per call. The loop is a
// function called repeatedly to warm up, so every engine runs it optimized (none needs
// on-stack replacement, which warren turns off).
const [file, count] = process.argv.slice(2);
const n = Number(count ?? 10_000_000);
const bytes = (await import("node:fs")).readFileSync(file);
const { instance } = await WebAssembly.instantiate(bytes);
const inc = instance.exports.inc;
function loop(x, n) {
  for (let i = 0; i < n; i++) x = inc(x);
  return x;
}
let x = 0;
for (let i = 0; i < 50; i++) x = loop(x, 100_000);
const t = performance.now();
x = loop(x, n);
const ns = ((performance.now() - t) * 1e6) / n;
if (x !== n + 5_000_000) throw new Error(`wrong result ${x}`);
console.log(ns.toFixed(2));
