// Runs one kernel of kernels.wasm under node or deno (the same file and arguments warren
// and wasmtime get): run.mjs KERNELS.wasm EXPORT ARG prints the export's i32 result.
const [file, name, arg] = process.argv.slice(2);
const bytes = (await import("node:fs")).readFileSync(file);
const { instance } = await WebAssembly.instantiate(bytes);
console.log(instance.exports[name](Number(arg)));
