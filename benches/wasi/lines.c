// lines: writes 1,000,000 short lines to stdout, one fd_write per line (line-buffered).
#include <stdio.h>

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  for (int i = 0; i < 1000000; i++) printf("line %d\n", i);
  return 0;
}
