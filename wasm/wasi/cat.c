// cat: copies each named file to stdout; a file that cannot be opened is reported on
// stderr and makes the exit status 1.
#include <errno.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
  int status = 0;
  char buf[4096];
  for (int i = 1; i < argc; i++) {
    FILE *f = fopen(argv[i], "rb");
    if (!f) {
      fprintf(stderr, "cat: %s: %s\n", argv[i], strerror(errno));
      status = 1;
      continue;
    }
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) fwrite(buf, 1, n, stdout);
    fclose(f);
  }
  return status;
}
