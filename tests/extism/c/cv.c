// cv.c: an Extism plugin in C (no libc) over tests/extism/c/extism-pdk.h.
//
// count_vowels: {"count":N,"total":T,"vowels":"..."} (config "vowels", default
//   aeiouAEIOU; the running total in the var "total").
// fail: a plugin error.  spin: never returns.  log_it: logs the input at warn.
// greet: the user host function "shout" (served by a plugin the manifest imports).
// fetch: the input is an Extism HttpRequest; the output "<status> <body>".
//
// Build: clang-19 --target=wasm32 -nostdlib -O2 -Wl,--no-entry -o cv.wasm cv.c
#include "extism-pdk.h"

extern unsigned char __heap_base;

// A bump allocator, started afresh by every call.
static unsigned char *heap;
static void *bump(uint64_t n) {
  unsigned char *p = heap;
  uintptr_t end = (uintptr_t)p + (uintptr_t)n;
  uintptr_t have = __builtin_wasm_memory_size(0) * 65536;
  if (end > have && __builtin_wasm_memory_grow(0, (end - have + 65535) / 65536) == (uintptr_t)-1)
    __builtin_trap();
  heap = (unsigned char *)((end + 7) & ~(uintptr_t)7);
  return p;
}

static uint32_t put(char *to, const char *s) {
  uint32_t n = 0;
  for (; s[n]; n++) to[n] = s[n];
  return n;
}

static uint32_t put_num(char *to, uint32_t x) {
  char digits[10];
  uint32_t n = 0;
  do digits[n++] = (char)('0' + x % 10), x /= 10; while (x);
  for (uint32_t i = 0; i < n; i++) to[i] = digits[n - 1 - i];
  return n;
}

EXTISM_EXPORT("count_vowels") int32_t count_vowels(void) {
  heap = &__heap_base;
  uint64_t len = extism_input_length();
  char *in = bump(len);
  extism_load_input(in, len);

  const char *vowels = "aeiouAEIOU";
  uint64_t vlen = 10;
  ExtismHandle cfg = extism_config_get(extism_str("vowels"));
  if (cfg) {
    vlen = extism_length(cfg);
    char *v = bump(vlen + 1);
    extism_load(cfg, v, vlen);
    v[vlen] = 0;
    vowels = v;
    extism_free(cfg);
  }

  uint32_t count = 0;
  for (uint64_t i = 0; i < len; i++)
    for (uint64_t j = 0; j < vlen; j++)
      if (in[i] == vowels[j]) {
        count++;
        break;
      }

  uint32_t total = 0;
  ExtismHandle var = extism_var_get(extism_str("total"));
  if (var && extism_length(var) == 4) extism_load(var, &total, 4);
  total += count;
  extism_var_set(extism_str("total"), extism_block(&total, 4));

  char *out = bump(64 + vlen), *w = out;
  w += put(w, "{\"count\":");
  w += put_num(w, count);
  w += put(w, ",\"total\":");
  w += put_num(w, total);
  w += put(w, ",\"vowels\":\"");
  w += put(w, vowels);
  w += put(w, "\"}");
  extism_output(out, (uint64_t)(w - out));
  return 0;
}

EXTISM_EXPORT("fail") int32_t fail(void) { return extism_fail("C says no"); }

EXTISM_EXPORT("spin") int32_t spin(void) {
  for (volatile int i = 0;; i++) {
  }
}

EXTISM_EXPORT("log_it") int32_t log_it(void) {
  heap = &__heap_base;
  uint64_t len = extism_input_length();
  char *in = bump(len);
  extism_load_input(in, len);
  extism_log_warn(extism_block(in, len));
  return 0;
}

EXTISM_USER("shout") ExtismHandle shout(ExtismHandle text);

EXTISM_EXPORT("greet") int32_t greet(void) {
  heap = &__heap_base;
  uint64_t len = extism_input_length();
  char *in = bump(len);
  extism_load_input(in, len);
  ExtismHandle r = shout(extism_block(in, len));
  extism_output_set(r, extism_length(r));
  return 0;
}

EXTISM_EXPORT("fetch") int32_t fetch(void) {
  heap = &__heap_base;
  uint64_t len = extism_input_length();
  char *req = bump(len);
  extism_load_input(req, len);
  ExtismHandle body = extism_http_request(extism_block(req, len), 0);
  uint64_t blen = extism_length(body);
  char *out = bump(16 + blen), *w = out;
  w += put_num(w, (uint32_t)extism_http_status_code());
  *w++ = ' ';
  extism_load(body, w, blen);
  w += blen;
  extism_output(out, (uint64_t)(w - out));
  return 0;
}
