// report.h: how the WASI test programs print the outcome of a call, so that warren's and
// wasmtime's runs can be compared line by line.
#include <errno.h>
#include <stdio.h>
#include <string.h>

// Prints "what: ok" or "what: <errno text> (errno N)".
static void report(const char *what, int ok) {
  if (ok) {
    printf("%s: ok\n", what);
  } else {
    printf("%s: %s (errno %d)\n", what, strerror(errno), errno);
  }
}
