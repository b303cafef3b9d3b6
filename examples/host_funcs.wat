;; host_funcs.wat — the module examples/host_funcs.rs runs. It imports three typed Rust
;; functions and writes a message into its own memory for the third to print.
(module
  (import "math" "gcd" (func $gcd (param i64 i64) (result i64)))
  (import "math" "hypot" (func $hypot (param f64 f64) (result f64)))
  (import "io" "print" (func $print (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "hello from wasm, via ptr/len")
  (func (export "run") (param i64 i64 f64 f64) (result i64 f64)
    (call $print (i32.const 0) (i32.const 28))
    (call $gcd (local.get 0) (local.get 1))
    (call $hypot (local.get 2) (local.get 3))))
