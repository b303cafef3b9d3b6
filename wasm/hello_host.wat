;; hello_host.wat — Wasm writes a greeting into its own memory and hands it to the host as
;; (ptr, len): `warren run wasm/hello_host.wat` prints it through host:console.
(module
  (import "host:console" "log" (func $log (param i32 i32)))
  (memory (export "memory") 1)
  ;; "Hello from " is static data; the module appends "Wasm memory!" itself, byte by byte,
  ;; so the string the host prints is one the module wrote.
  (data (i32.const 16) "Hello from ")
  (data (i32.const 64) "Wasm memory!")
  (func $copy (param $dst i32) (param $src i32) (param $n i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (i32.store8 (local.get $dst) (i32.load8_u (local.get $src)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 1)))
        (local.set $src (i32.add (local.get $src) (i32.const 1)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next))))
  (func (export "_start")
    (call $copy (i32.const 27) (i32.const 64) (i32.const 12))
    (call $log (i32.const 16) (i32.const 23))))
