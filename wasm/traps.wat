;; traps.wat — one export per trap kind, for the CLI's error tests.
(module
  (memory 1)
  (func $div (export "div") (param i32 i32) (result i32)
    local.get 0
    local.get 1
    i32.div_s)
  (func $boom (export "unreachable")
    unreachable)
  (func $load (export "oob") (result i32)
    i32.const 70000
    i32.load)
  (func $recurse (export "recurse") (param i32) (result i32)
    local.get 0
    i32.const 1
    i32.add
    call $recurse)
  (func $inner (param i32) (result i32)
    local.get 0
    i32.const 0
    i32.div_u)
  (func (export "nested") (result i32)
    i32.const 7
    call $inner))
