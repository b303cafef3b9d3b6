;; Compute kernels for benches/fuel.sh: the same exports run with and without fuel.
(module
  (memory 16)
  ;; Recursive Fibonacci: calls dominate.
  (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
  ;; A tight counting loop with a linear congruential generator: branches dominate.
  (func (export "lcg") (param i32) (result i32) (local i32 i32)
    (local.set 2 (i32.const 1))
    (loop $l
      (local.set 2 (i32.add (i32.mul (local.get 2) (i32.const 1103515245)) (i32.const 12345)))
      (local.set 1 (i32.add (local.get 1) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get 1) (local.get 0))))
    (local.get 2))
  ;; A sieve of Eratosthenes over one MiB of memory: loads, stores and nested loops.
  (func (export "sieve") (param i32) (result i32) (local $rep i32) (local $i i32) (local $j i32) (local $n i32)
    (loop $rep
      (memory.fill (i32.const 0) (i32.const 1) (i32.const 1048576))
      (local.set $n (i32.const 0))
      (local.set $i (i32.const 2))
      (loop $outer
        (if (i32.load8_u (local.get $i))
          (then
            (local.set $n (i32.add (local.get $n) (i32.const 1)))
            (local.set $j (i32.add (local.get $i) (local.get $i)))
            (block $done
              (loop $inner
                (br_if $done (i32.ge_u (local.get $j) (i32.const 1048576)))
                (i32.store8 (local.get $j) (i32.const 0))
                (local.set $j (i32.add (local.get $j) (local.get $i)))
                (br $inner)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $outer (i32.lt_u (local.get $i) (i32.const 1048576))))
      (local.set $rep (i32.add (local.get $rep) (i32.const 1)))
      (br_if $rep (i32.lt_u (local.get $rep) (local.get 0))))
    (local.get $n))
)
