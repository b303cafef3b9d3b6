// The same loop with a JS import, under node or deno: prints ns per Wasm -> JS call.
const n = Number(process?.argv?.[2] ?? 10_000_000);
const bytes = (await import("node:fs")).readFileSync(process.argv[3]);
const { instance } = await WebAssembly.instantiate(bytes, { env: { f: (x) => (x + 1) | 0 } });
instance.exports.run(2_000_000); // warm up: let TurboFan tier-up land
const t = performance.now();
const out = instance.exports.run(n);
const ns = ((performance.now() - t) * 1e6) / n;
if (out !== n) throw new Error(`wrong result ${out}`);
console.log(ns.toFixed(2));
