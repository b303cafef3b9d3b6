;; The trivial Wasm plugins of benches/plugins.sh: `echo` returns its input on the JSON
;; ABI (copy nothing: the output is the input, where alloc put it), `add` is numeric.
(module
  (memory (export "memory") 1)
  (func (export "alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "echo") (param $ptr i32) (param $len i32) (result i64)
    (i64.or (i64.shl (i64.extend_i32_u (local.get $ptr)) (i64.const 32))
            (i64.extend_i32_u (local.get $len))))
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1))))
