// hello: prints its arguments and the environment it was given, and a line on stderr.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

static int cmp(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int main(int argc, char **argv) {
  printf("hello from wasm32-wasi\n");
  for (int i = 0; i < argc; i++) printf("argv[%d] = %s\n", i, argv[i]);
  int n = 0;
  while (environ[n]) n++;
  qsort(environ, n, sizeof(char *), cmp);
  printf("%d environment variables\n", n);
  for (int i = 0; i < n; i++) printf("env %s\n", environ[i]);
  const char *greeting = getenv("GREETING");
  printf("GREETING is %s\n", greeting ? greeting : "(unset)");
  fprintf(stderr, "this line goes to stderr\n");
  return 0;
}
