;; The trivial plugin for Extism (its kernel ABI): echo sets the output to the input;
;; noop returns at once. The same work as echo.wat and noop in echo.js for warren.
(module
  (import "extism:host/env" "input_offset" (func $in_off (result i64)))
  (import "extism:host/env" "input_length" (func $in_len (result i64)))
  (import "extism:host/env" "output_set" (func $out (param i64 i64)))
  (memory (export "memory") 1)
  (func (export "echo") (result i32) (call $out (call $in_off) (call $in_len)) (i32.const 0))
  (func (export "noop") (result i32) (i32.const 0)))
