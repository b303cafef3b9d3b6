// files.c: an Extism plugin in C on wasm32-wasi (wasi-libc), built as a reactor: the host
// initialises it once (_initialize), then calls its exports. read: the input is a path;
// the output is that file's contents, read with stdio through WASI's preopens.
//
// Build: clang-19 --target=wasm32-wasi --sysroot=/usr -mexec-model=reactor -O2 -o files.wasm files.c
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extism-pdk.h"

static int calls;

EXTISM_EXPORT("read") int32_t read_file(void) {
  uint64_t len = extism_input_length();
  char *path = malloc(len + 1);
  extism_load_input(path, len);
  path[len] = 0;
  FILE *f = fopen(path, "r");
  if (!f) {
    char msg[256];
    snprintf(msg, sizeof msg, "cannot open %s", path);
    free(path);
    return extism_fail(msg);
  }
  char buf[4096];
  size_t n = fread(buf, 1, sizeof buf, f);
  fclose(f);
  free(path);
  calls++;
  extism_output(buf, n);
  return 0;
}

EXTISM_EXPORT("calls") int32_t count_calls(void) {
  char buf[16];
  int n = snprintf(buf, sizeof buf, "%d", calls);
  extism_output(buf, (uint64_t)n);
  return 0;
}
