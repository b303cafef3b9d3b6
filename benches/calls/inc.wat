;; inc.wat: the export JS calls in js_to_wasm.mjs.
(module
  (func (export "inc") (param i32) (result i32)
    local.get 0 i32.const 1 i32.add))
