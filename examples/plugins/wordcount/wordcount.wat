;; wordcount: a Wasm plugin on warren's JSON ABI (docs/plugin-abi.md).
;;
;; `count` takes a JSON string and returns how many words it has (runs of characters
;; other than space, tab, CR and LF), as a JSON number. Anything but a string is an error
;; result.
;;
;; Memory: the host calls `alloc(len)` once per call for the input. This plugin keeps no
;; state between calls, so `alloc` always hands out the same place (1024) and grows the
;; memory to fit; the output is written right after the input.
(module
  (memory (export "memory") 1)
  (data (i32.const 0) "count takes a JSON string")
  (global $err_len i32 (i32.const 25))
  (global $base i32 (i32.const 1024))

  (func (export "alloc") (param $len i32) (result i32)
    (local $need i32) (local $have i32)
    ;; the input, then room for the output (at most 10 digits), rounded up
    (local.set $need (i32.add (global.get $base) (i32.add (local.get $len) (i32.const 16))))
    (local.set $have (i32.mul (memory.size) (i32.const 65536)))
    (if (i32.gt_u (local.get $need) (local.get $have))
      (then
        (if (i32.eq
              (memory.grow
                (i32.div_u
                  (i32.add (i32.sub (local.get $need) (local.get $have)) (i32.const 65535))
                  (i32.const 65536)))
              (i32.const -1))
          (then unreachable))))
    (global.get $base))

  ;; Packs an output place: ptr << 32 | len (bit 31 of len set for an error message).
  (func $pack (param $ptr i32) (param $len i32) (result i64)
    (i64.or
      (i64.shl (i64.extend_i32_u (local.get $ptr)) (i64.const 32))
      (i64.extend_i32_u (local.get $len))))

  (func $is_space (param $c i32) (result i32)
    (i32.or
      (i32.or (i32.eq (local.get $c) (i32.const 32)) (i32.eq (local.get $c) (i32.const 9)))
      (i32.or (i32.eq (local.get $c) (i32.const 10)) (i32.eq (local.get $c) (i32.const 13)))))

  (func (export "count") (param $ptr i32) (param $len i32) (result i64)
    (local $i i32) (local $end i32) (local $c i32) (local $space i32)
    (local $in_word i32) (local $words i32) (local $out i32) (local $n i32) (local $j i32)
    ;; A JSON string starts with a quote (the host sends compact JSON, no whitespace).
    (if (i32.or (i32.lt_u (local.get $len) (i32.const 2))
                (i32.ne (i32.load8_u (local.get $ptr)) (i32.const 34)))
      (then (return (call $pack (i32.const 0)
                          (i32.or (global.get $err_len) (i32.const 0x80000000))))))
    (local.set $i (i32.add (local.get $ptr) (i32.const 1)))
    (local.set $end (i32.add (local.get $ptr) (local.get $len)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $c (i32.load8_u (local.get $i)))
        ;; the closing quote (an escaped one is consumed below)
        (br_if $done (i32.eq (local.get $c) (i32.const 34)))
        (local.set $space (call $is_space (local.get $c)))
        (if (i32.eq (local.get $c) (i32.const 92)) ;; backslash: an escape
          (then
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (local.set $c (i32.load8_u (local.get $i)))
            ;; \n \t \r are spaces; \uXXXX skips its four digits and counts as a letter
            (local.set $space
              (i32.or (i32.or (i32.eq (local.get $c) (i32.const 110))
                              (i32.eq (local.get $c) (i32.const 116)))
                      (i32.eq (local.get $c) (i32.const 114))))
            (if (i32.eq (local.get $c) (i32.const 117))
              (then (local.set $i (i32.add (local.get $i) (i32.const 4)))))))
        (if (local.get $space)
          (then (local.set $in_word (i32.const 0)))
          (else
            (if (i32.eqz (local.get $in_word))
              (then
                (local.set $words (i32.add (local.get $words) (i32.const 1)))
                (local.set $in_word (i32.const 1))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    ;; Write the count in decimal right after the input: count its digits, then fill
    ;; them in from the last.
    (local.set $out (local.get $end))
    (local.set $n (i32.const 1))
    (local.set $j (local.get $words))
    (block $counted
      (loop $more
        (local.set $j (i32.div_u (local.get $j) (i32.const 10)))
        (br_if $counted (i32.eqz (local.get $j)))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br $more)))
    (local.set $j (local.get $n))
    (loop $digit
      (local.set $j (i32.sub (local.get $j) (i32.const 1)))
      (i32.store8 (i32.add (local.get $out) (local.get $j))
        (i32.add (i32.const 48) (i32.rem_u (local.get $words) (i32.const 10))))
      (local.set $words (i32.div_u (local.get $words) (i32.const 10)))
      (br_if $digit (i32.gt_u (local.get $j) (i32.const 0))))
    (call $pack (local.get $out) (local.get $n))))
