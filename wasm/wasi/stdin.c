// stdin: reads all of stdin, then prints how many bytes and lines it read and the input
// upper-cased.
#include <ctype.h>
#include <stdio.h>

int main(void) {
  char buf[1024];
  size_t total = 0, lines = 0, n;
  static char all[1 << 16];
  while ((n = fread(buf, 1, sizeof buf, stdin)) > 0) {
    for (size_t i = 0; i < n; i++) {
      if (buf[i] == '\n') lines++;
      if (total < sizeof all) all[total] = (char)toupper((unsigned char)buf[i]);
      total++;
    }
  }
  printf("read %zu bytes, %zu lines\n", total, lines);
  fwrite(all, 1, total < sizeof all ? total : sizeof all, stdout);
  return 0;
}
