// extism-pdk.h: warren's own small C header for writing Extism plugins (Extism's host ABI,
// docs/plugin-abi.md "Extism plugins"). No libc needed: clang's stdint.h and stddef.h only.
//
// Offsets (ExtismHandle) point into Extism's kernel memory, not the plugin's; 0 is null.
// A function that takes a handle takes ownership of its block, as Extism's host does.
#pragma once
#include <stddef.h>
#include <stdint.h>

typedef uint64_t ExtismHandle;

#define EXTISM_ENV(name) __attribute__((import_module("extism:host/env"), import_name(name)))
#define EXTISM_USER(name) __attribute__((import_module("extism:host/user"), import_name(name)))
#define EXTISM_EXPORT(name) __attribute__((export_name(name)))

// The kernel.
EXTISM_ENV("alloc") ExtismHandle extism_alloc(uint64_t n);
EXTISM_ENV("free") void extism_free(ExtismHandle h);
EXTISM_ENV("length") uint64_t extism_length(ExtismHandle h);
EXTISM_ENV("length_unsafe") uint64_t extism_length_unsafe(ExtismHandle h);
EXTISM_ENV("load_u8") uint8_t extism_load_u8(ExtismHandle at);
EXTISM_ENV("load_u64") uint64_t extism_load_u64(ExtismHandle at);
EXTISM_ENV("store_u8") void extism_store_u8(ExtismHandle at, uint8_t x);
EXTISM_ENV("store_u64") void extism_store_u64(ExtismHandle at, uint64_t x);
EXTISM_ENV("input_length") uint64_t extism_input_length(void);
EXTISM_ENV("input_load_u8") uint8_t extism_input_load_u8(uint64_t i);
EXTISM_ENV("input_load_u64") uint64_t extism_input_load_u64(uint64_t i);
EXTISM_ENV("input_offset") ExtismHandle extism_input_offset(void);
EXTISM_ENV("output_set") void extism_output_set(ExtismHandle h, uint64_t n);
EXTISM_ENV("error_set") void extism_error_set(ExtismHandle h);
EXTISM_ENV("error_get") ExtismHandle extism_error_get(void);

// The host functions.
EXTISM_ENV("config_get") ExtismHandle extism_config_get(ExtismHandle key);
EXTISM_ENV("var_get") ExtismHandle extism_var_get(ExtismHandle key);
EXTISM_ENV("var_set") void extism_var_set(ExtismHandle key, ExtismHandle value);
EXTISM_ENV("log_trace") void extism_log_trace(ExtismHandle msg);
EXTISM_ENV("log_debug") void extism_log_debug(ExtismHandle msg);
EXTISM_ENV("log_info") void extism_log_info(ExtismHandle msg);
EXTISM_ENV("log_warn") void extism_log_warn(ExtismHandle msg);
EXTISM_ENV("log_error") void extism_log_error(ExtismHandle msg);
EXTISM_ENV("http_request") ExtismHandle extism_http_request(ExtismHandle req, ExtismHandle body);
EXTISM_ENV("get_log_level") int32_t extism_get_log_level(void);
EXTISM_ENV("http_status_code") int32_t extism_http_status_code(void);
EXTISM_ENV("http_headers") ExtismHandle extism_http_headers(void);

// Moving bytes between the plugin's memory and kernel memory, 8 bytes at a time.

static inline void extism_load(ExtismHandle from, void *to, uint64_t n) {
  uint8_t *dst = to;
  uint64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t x = extism_load_u64(from + i);
    __builtin_memcpy(dst + i, &x, 8);
  }
  for (; i < n; i++) dst[i] = extism_load_u8(from + i);
}

static inline void extism_load_input(void *to, uint64_t n) {
  uint8_t *dst = to;
  uint64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t x = extism_input_load_u64(i);
    __builtin_memcpy(dst + i, &x, 8);
  }
  for (; i < n; i++) dst[i] = extism_input_load_u8(i);
}

static inline void extism_store(ExtismHandle to, const void *from, uint64_t n) {
  const uint8_t *src = from;
  uint64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t x;
    __builtin_memcpy(&x, src + i, 8);
    extism_store_u64(to + i, x);
  }
  for (; i < n; i++) extism_store_u8(to + i, src[i]);
}

// A new kernel block holding n bytes from `from` (0 when n is 0 or kernel memory is full).
static inline ExtismHandle extism_block(const void *from, uint64_t n) {
  ExtismHandle h = extism_alloc(n);
  if (h) extism_store(h, from, n);
  return h;
}

static inline uint64_t extism_strlen(const char *s) {
  uint64_t n = 0;
  while (s[n]) n++;
  return n;
}

static inline ExtismHandle extism_str(const char *s) { return extism_block(s, extism_strlen(s)); }

// The output is these n bytes.
static inline void extism_output(const void *from, uint64_t n) {
  extism_output_set(extism_block(from, n), n);
}

// Fails the call with `msg`: return this from an export.
static inline int32_t extism_fail(const char *msg) {
  extism_error_set(extism_str(msg));
  return 1;
}
