;; Kernel traffic for benches/extism.sh: `copy` moves the input to a new kernel block one
;; byte at a time (input_load_u8 + store_u8 per byte, as a PDK does for a tail or a naive
;; loop) and makes it the output; `copy64` does the same 8 bytes at a time
;; (input_load_u64 + store_u64); `noop` returns at once. The same module runs against
;; warren's Rust kernel (in the plugin host) and Extism's published kernel module
;; (extism-runtime.wasm, linked to it directly in benches/extism_kernel.js).
(module
  (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
  (import "extism:host/env" "input_length" (func $in_len (result i64)))
  (import "extism:host/env" "input_load_u8" (func $in_u8 (param i64) (result i32)))
  (import "extism:host/env" "input_load_u64" (func $in_u64 (param i64) (result i64)))
  (import "extism:host/env" "store_u8" (func $store_u8 (param i64 i32)))
  (import "extism:host/env" "store_u64" (func $store_u64 (param i64 i64)))
  (import "extism:host/env" "output_set" (func $out (param i64 i64)))
  (memory (export "memory") 1)
  (func (export "copy") (result i32)
    (local $n i64) (local $i i64) (local $h i64)
    (local.set $n (call $in_len))
    (local.set $h (call $alloc (local.get $n)))
    (block $done (loop $l
      (br_if $done (i64.ge_u (local.get $i) (local.get $n)))
      (call $store_u8 (i64.add (local.get $h) (local.get $i)) (call $in_u8 (local.get $i)))
      (local.set $i (i64.add (local.get $i) (i64.const 1)))
      (br $l)))
    (call $out (local.get $h) (local.get $n))
    (i32.const 0))
  (func (export "copy64") (result i32)
    (local $n i64) (local $i i64) (local $h i64)
    (local.set $n (call $in_len))
    (local.set $h (call $alloc (local.get $n)))
    (block $done (loop $l
      (br_if $done (i64.gt_u (i64.add (local.get $i) (i64.const 8)) (local.get $n)))
      (call $store_u64 (i64.add (local.get $h) (local.get $i)) (call $in_u64 (local.get $i)))
      (local.set $i (i64.add (local.get $i) (i64.const 8)))
      (br $l)))
    (call $out (local.get $h) (local.get $n))
    (i32.const 0))
  (func (export "noop") (result i32) (i32.const 0)))
