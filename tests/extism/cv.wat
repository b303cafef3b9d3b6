;; cv: an Extism plugin in WAT, written against Extism's host ABI (extism:host/env) only.
;;
;; count_vowels: {"count": vowels in the input, "total": running total kept in the var
;;   "total", "vowels": the vowels counted (config "vowels", default aeiouAEIOU)}
;; echo: the input as the output.     fail: an error set with error_set, returns 1.
;; fail_code: returns 3, no error.    spin: never returns (for the timeout).
;; log: logs the input at info and "quiet" at debug.  level: get_log_level as a digit.
;; grow: "ok" when memory.grow(1) succeeds, an error otherwise.
;; oom: alloc of 1 TiB, which must fail (0): "0" as the output.
;; bad_handle: config_get of an offset that is no block (a host error).
(module
  (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
  (import "extism:host/env" "free" (func $free (param i64)))
  (import "extism:host/env" "length" (func $length (param i64) (result i64)))
  (import "extism:host/env" "load_u8" (func $load_u8 (param i64) (result i32)))
  (import "extism:host/env" "store_u8" (func $store_u8 (param i64 i32)))
  (import "extism:host/env" "input_length" (func $input_length (result i64)))
  (import "extism:host/env" "input_offset" (func $input_offset (result i64)))
  (import "extism:host/env" "input_load_u8" (func $input_load_u8 (param i64) (result i32)))
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (import "extism:host/env" "error_set" (func $error_set (param i64)))
  (import "extism:host/env" "config_get" (func $config_get (param i64) (result i64)))
  (import "extism:host/env" "var_get" (func $var_get (param i64) (result i64)))
  (import "extism:host/env" "var_set" (func $var_set (param i64 i64)))
  (import "extism:host/env" "log_info" (func $log_info (param i64)))
  (import "extism:host/env" "log_debug" (func $log_debug (param i64)))
  (import "extism:host/env" "get_log_level" (func $get_log_level (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "vowels")               ;; 6 bytes
  (data (i32.const 8) "total")                ;; 5
  (data (i32.const 16) "aeiouAEIOU")          ;; 10
  (data (i32.const 32) "{\"count\":")         ;; 9
  (data (i32.const 48) ",\"total\":")         ;; 9
  (data (i32.const 64) ",\"vowels\":\"")      ;; 11
  (data (i32.const 80) "\"}")                 ;; 2
  (data (i32.const 96) "it went wrong")       ;; 13
  (data (i32.const 112) "quiet")              ;; 5
  (data (i32.const 120) "ok")                 ;; 2
  (data (i32.const 128) "grow failed")        ;; 11

  ;; A new kernel block holding the len bytes at ptr.
  (func $to_kernel (param $ptr i32) (param $len i32) (result i64)
    (local $off i64) (local $i i32)
    (local.set $off (call $alloc (i64.extend_i32_u (local.get $len))))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
      (call $store_u8 (i64.add (local.get $off) (i64.extend_i32_u (local.get $i)))
                      (i32.load8_u (i32.add (local.get $ptr) (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l)))
    (local.get $off))

  ;; Copies the kernel block at off to ptr; returns its length.
  (func $from_kernel (param $off i64) (param $ptr i32) (result i32)
    (local $len i32) (local $i i32)
    (local.set $len (i32.wrap_i64 (call $length (local.get $off))))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
      (i32.store8 (i32.add (local.get $ptr) (local.get $i))
                  (call $load_u8 (i64.add (local.get $off) (i64.extend_i32_u (local.get $i)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l)))
    (local.get $len))

  ;; Writes n in decimal at ptr; returns the number of digits.
  (func $itoa (param $n i32) (param $ptr i32) (result i32)
    (local $digits i32) (local $m i32)
    (local.set $m (local.get $n))
    (local.set $digits (i32.const 1))
    (block $d (loop $l
      (br_if $d (i32.lt_u (local.get $m) (i32.const 10)))
      (local.set $m (i32.div_u (local.get $m) (i32.const 10)))
      (local.set $digits (i32.add (local.get $digits) (i32.const 1)))
      (br $l)))
    (local.set $m (local.get $digits))
    (loop $w
      (local.set $m (i32.sub (local.get $m) (i32.const 1)))
      (i32.store8 (i32.add (local.get $ptr) (local.get $m))
                  (i32.add (i32.const 48) (i32.rem_u (local.get $n) (i32.const 10))))
      (local.set $n (i32.div_u (local.get $n) (i32.const 10)))
      (br_if $w (local.get $m)))
    (local.get $digits))

  ;; Appends len bytes from src to the output being built at 4096 (length in $o).
  (global $o (mut i32) (i32.const 0))
  (func $put (param $src i32) (param $len i32)
    (memory.copy (i32.add (i32.const 4096) (global.get $o)) (local.get $src) (local.get $len))
    (global.set $o (i32.add (global.get $o) (local.get $len))))
  (func $put_num (param $n i32)
    (global.set $o (i32.add (global.get $o)
      (call $itoa (local.get $n) (i32.add (i32.const 4096) (global.get $o))))))
  (func $finish
    (call $output_set (call $to_kernel (i32.const 4096) (global.get $o))
                      (i64.extend_i32_u (global.get $o))))

  (func (export "count_vowels") (result i32)
    (local $vlen i32) (local $cfg i64) (local $n i64) (local $i i64) (local $c i32)
    (local $j i32) (local $count i32) (local $total i32) (local $var i64)
    ;; the vowels, at 1024: config "vowels", or the default
    (local.set $cfg (call $config_get (call $to_kernel (i32.const 0) (i32.const 6))))
    (if (i64.eqz (local.get $cfg))
      (then (memory.copy (i32.const 1024) (i32.const 16) (i32.const 10))
            (local.set $vlen (i32.const 10)))
      (else (local.set $vlen (call $from_kernel (local.get $cfg) (i32.const 1024)))
            (call $free (local.get $cfg))))
    (local.set $n (call $input_length))
    (block $done (loop $l
      (br_if $done (i64.ge_u (local.get $i) (local.get $n)))
      (local.set $c (call $input_load_u8 (local.get $i)))
      (local.set $j (i32.const 0))
      (block $found (loop $v
        (br_if $found (i32.ge_u (local.get $j) (local.get $vlen)))
        (if (i32.eq (local.get $c) (i32.load8_u (i32.add (i32.const 1024) (local.get $j))))
          (then (local.set $count (i32.add (local.get $count) (i32.const 1)))
                (br $found)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $v)))
      (local.set $i (i64.add (local.get $i) (i64.const 1)))
      (br $l)))
    ;; the running total: the var "total" (an i32, little-endian) plus this count
    (local.set $var (call $var_get (call $to_kernel (i32.const 8) (i32.const 5))))
    (if (i64.ne (local.get $var) (i64.const 0))
      (then (drop (call $from_kernel (local.get $var) (i32.const 2048)))
            (local.set $total (i32.load (i32.const 2048)))))
    (local.set $total (i32.add (local.get $total) (local.get $count)))
    (i32.store (i32.const 2048) (local.get $total))
    (call $var_set (call $to_kernel (i32.const 8) (i32.const 5))
                   (call $to_kernel (i32.const 2048) (i32.const 4)))
    (global.set $o (i32.const 0))
    (call $put (i32.const 32) (i32.const 9))
    (call $put_num (local.get $count))
    (call $put (i32.const 48) (i32.const 9))
    (call $put_num (local.get $total))
    (call $put (i32.const 64) (i32.const 11))
    (call $put (i32.const 1024) (local.get $vlen))
    (call $put (i32.const 80) (i32.const 2))
    (call $finish)
    (i32.const 0))

  (func (export "echo") (result i32)
    (call $output_set (call $input_offset) (call $input_length))
    (i32.const 0))

  (func (export "fail") (result i32)
    (call $error_set (call $to_kernel (i32.const 96) (i32.const 13)))
    (i32.const 1))

  (func (export "fail_code") (result i32)
    (i32.const 3))

  (func (export "spin") (result i32)
    (loop $forever (br $forever))
    (i32.const 0))

  (func (export "log") (result i32)
    (call $log_info (call $input_offset))
    (call $log_debug (call $to_kernel (i32.const 112) (i32.const 5)))
    (i32.const 0))

  (func (export "grow") (result i32)
    (if (i32.eq (memory.grow (i32.const 1)) (i32.const -1))
      (then (call $error_set (call $to_kernel (i32.const 128) (i32.const 11)))
            (return (i32.const 1))))
    (global.set $o (i32.const 0))
    (call $put (i32.const 120) (i32.const 2))
    (call $finish)
    (i32.const 0))

  (func (export "oom") (result i32)
    (global.set $o (i32.const 0))
    (call $put_num (i32.wrap_i64 (call $alloc (i64.const 0x10000000000))))
    (call $finish)
    (i32.const 0))

  (func (export "bad_handle") (result i32)
    (drop (call $config_get (i64.const 999)))
    (i32.const 0))

  (func (export "level") (result i32)
    (global.set $o (i32.const 0))
    (call $put_num (call $get_log_level))
    (call $finish)
    (i32.const 0)))
