// Extism's published kernel (extism-runtime.wasm) driven the way Extism's host drives it,
// with the plugin benches/plugins/extism_kernel.wat linked straight to its exports (Wasm to
// Wasm calls): per call reset, alloc + write the input, input_set, call, read the output.
// Run by benches/extism.sh: warren run -A benches/extism_kernel.js KERNEL.wasm PLUGIN.wasm N
// Prints "kernel_wasm_<export>_us <microseconds per call>" for noop, copy and copy64.
import { readFileSync } from "node:fs";

const [kernelPath, pluginPath, n] = process.argv.slice(2);
const calls = Number(n || 2000);
const k = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(kernelPath)), {}).exports;
const plugin = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(pluginPath)), {
  "extism:host/env": k,
}).exports;
const input = new Uint8Array(64 * 1024).map((_, i) => i & 0xff);

function call(name, bytes) {
  k.reset();
  const h = k.alloc(BigInt(bytes.length));
  new Uint8Array(k.memory.buffer, Number(h), bytes.length).set(bytes);
  k.input_set(h, BigInt(bytes.length));
  if (plugin[name]() !== 0) throw new Error(`${name} failed`);
  const off = Number(k.output_offset()), len = Number(k.output_length());
  return new Uint8Array(k.memory.buffer, off, len).slice();
}

const out = call("copy", input);
if (out.length !== input.length || out.some((b, i) => b !== input[i])) throw new Error("copy is wrong");
for (const [name, bytes, reps] of [["noop", input.subarray(0, 7), calls * 10], ["copy", input, calls], ["copy64", input, calls]]) {
  for (let i = 0; i < reps / 10; i++) call(name, bytes);
  const runs = [];
  for (let r = 0; r < 5; r++) {
    const t = performance.now();
    for (let i = 0; i < reps; i++) call(name, bytes);
    runs.push(((performance.now() - t) * 1000) / reps);
  }
  runs.sort((a, b) => a - b);
  console.log(`kernel_wasm_${name}_us ${runs[2].toFixed(2)}`);
}
