// shout: a Wasm plugin in C on warren's JSON ABI (docs/plugin-abi.md).
//
// `shout` takes a JSON string and returns {"text": the string upper-cased with the
// configured suffix, "words": its word count}. The suffix comes from host:config; the
// count from calling the plugin "wordcount" through host:plugins.
//
// Build (no libc; clang's own stdint.h):
//   clang-19 --target=wasm32 -nostdlib -O2 -Wl,--no-entry -o shout.wasm shout.c
// Manifest entry:
//   [[plugins]]
//   name = "shout"
//   source = "shout.wasm"
//   imports = ["wordcount"]
//   config = { suffix = "!" }
#include <stdint.h>

#define IMPORT(module, name) __attribute__((import_module(module), import_name(name)))
#define EXPORT(name) __attribute__((export_name(name)))

IMPORT("host:config", "read")
int32_t config_read(const char *key, int32_t key_len, char *buf, int32_t buf_len);
IMPORT("host:plugins", "start")
int32_t plugins_start(const char *name, int32_t name_len, const char *export_name,
                      int32_t export_len, const char *input, int32_t input_len);
IMPORT("host:plugins", "wait")
int32_t plugins_wait(int32_t handle);
IMPORT("host:plugins", "read")
void plugins_read(int32_t handle, char *out);

#define ERROR_FLAG 0x80000000u

// Memory: a bump allocator. The host calls `alloc` exactly once per call, for the input,
// before the entry point, so each call starts its allocations afresh there.
extern unsigned char __heap_base;
static unsigned char *heap = &__heap_base;

static void *bump(uint32_t n) {
  unsigned char *p = heap;
  uintptr_t end = (uintptr_t)p + n;
  uintptr_t have = __builtin_wasm_memory_size(0) * 65536;
  if (end > have &&
      __builtin_wasm_memory_grow(0, (end - have + 65535) / 65536) == (uintptr_t)-1) {
    __builtin_trap();  // past the plugin's memory limit
  }
  heap = (unsigned char *)((end + 7) & ~(uintptr_t)7);
  return p;
}

EXPORT("alloc") void *alloc(int32_t len) {
  heap = &__heap_base;
  return bump((uint32_t)len);
}

static uint32_t length(const char *s) {
  uint32_t n = 0;
  while (s[n]) n++;
  return n;
}

static void copy(char *to, const char *from, uint32_t n) {
  for (uint32_t i = 0; i < n; i++) to[i] = from[i];
}

// A result: ptr << 32 | len; bit 31 of len marks an error message.
static int64_t result(const char *p, uint32_t len) {
  return (int64_t)(((uint64_t)(uintptr_t)p << 32) | len);
}

static int64_t error(const char *msg, uint32_t len) { return result(msg, len | ERROR_FLAG); }

EXPORT("shout") int64_t shout(const char *in, int32_t len) {
  if (len < 2 || in[0] != '"' || in[len - 1] != '"') {
    const char *msg = "shout takes a JSON string";
    return error(msg, length(msg));
  }

  // The suffix: host:config gives a value's JSON ("!" with its quotes), -1 when unset.
  char *suffix = bump(64);
  int32_t n = config_read("suffix", 6, suffix, 64);
  uint32_t suffix_len = 0;
  if (n > 64) {  // too long for the buffer: read it again, whole
    suffix = bump((uint32_t)n);
    n = config_read("suffix", 6, suffix, n);
  }
  if (n >= 2 && suffix[0] == '"') {
    suffix += 1;
    suffix_len = (uint32_t)n - 2;
  }

  // The word count: call wordcount.count with our own input (it is a JSON string too).
  int32_t call = plugins_start("wordcount", 9, "count", 5, in, len);
  int32_t got = plugins_wait(call);  // suspends this Wasm stack until the answer is in
  uint32_t got_len = (uint32_t)got & ~ERROR_FLAG;
  char *words = bump(got_len);
  plugins_read(call, words);
  if (got < 0) return error(words, got_len);  // wordcount's error, passed on

  // {"text":"<INPUT UPPER-CASED><suffix>","words":<count>}
  const char *head = "{\"text\":\"", *mid = "\",\"words\":";
  uint32_t head_len = length(head), mid_len = length(mid), body = (uint32_t)len - 2;
  uint32_t total = head_len + body + suffix_len + mid_len + got_len + 1;
  char *out = bump(total), *w = out;
  copy(w, head, head_len), w += head_len;
  for (uint32_t i = 1; i + 1 < (uint32_t)len; i++) {
    char c = in[i];
    if (c == '\\') {  // an escape: keep it as it is (\n must stay \n)
      *w++ = c, c = in[++i];
    } else if (c >= 'a' && c <= 'z') {
      c -= 'a' - 'A';
    }
    *w++ = c;
  }
  copy(w, suffix, suffix_len), w += suffix_len;
  copy(w, mid, mid_len), w += mid_len;
  copy(w, words, got_len), w += got_len;
  *w++ = '}';
  return result(out, (uint32_t)(w - out));
}
