;; async_jspi.wat — the module examples/async_jspi.rs runs. `kv.get` is an async Rust
;; function; through JSPI the Wasm code calls it like any synchronous import.
(module
  (import "kv" "get" (func $get (param i32) (result i32)))
  (func (export "sum") (param $first i32) (param $count i32) (result i32)
    (local $acc i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $count)))
        ;; Each call suspends the Wasm stack until the Rust future resolves.
        (local.set $acc (i32.add (local.get $acc) (call $get (local.get $first))))
        (local.set $first (i32.add (local.get $first) (i32.const 1)))
        (local.set $count (i32.sub (local.get $count) (i32.const 1)))
        (br $next)))
    (local.get $acc)))
