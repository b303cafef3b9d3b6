;; user: an Extism plugin calling a host function of its own, extism:host/user "shout",
;; which the manifest resolves to a plugin it imports. greet: "<shout(input)>" as output.
(module
  (import "extism:host/env" "input_offset" (func $input_offset (result i64)))
  (import "extism:host/env" "length" (func $length (param i64) (result i64)))
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (import "extism:host/user" "shout" (func $shout (param i64) (result i64)))
  (memory (export "memory") 1)
  (func (export "greet") (result i32)
    (local $r i64)
    (local.set $r (call $shout (call $input_offset)))
    (call $output_set (local.get $r) (call $length (local.get $r)))
    (i32.const 0)))
