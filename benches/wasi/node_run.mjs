// Runs a WASI command under node:wasi (Node or warren): node_run.mjs PROG.wasm [ARGS...],
// with the current directory preopened as ".".
import { WASI } from "node:wasi";
import { readFileSync } from "node:fs";
const [file, ...args] = process.argv.slice(2);
const wasi = new WASI({ version: "preview1", args: [file, ...args], preopens: { ".": "." } });
const { instance } = await WebAssembly.instantiate(readFileSync(file), wasi.getImportObject());
process.exitCode = wasi.start(instance);
