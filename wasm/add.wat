;; add.wat — the smallest useful module: i32 and i64 addition, and a multi-value swap.
(module
  (func (export "add") (param i32 i32) (result i32)
    local.get 0
    local.get 1
    i32.add)
  (func (export "add64") (param i64 i64) (result i64)
    local.get 0
    local.get 1
    i64.add)
  (func (export "swap") (param f32 f64) (result f64 f32)
    local.get 1
    local.get 0))
