// exit: prints a line, then exits with the status given as argv[1] (through proc_exit).
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  int code = argc > 1 ? atoi(argv[1]) : 0;
  printf("exiting with %d\n", code);
  fflush(stdout);
  exit(code);
}
