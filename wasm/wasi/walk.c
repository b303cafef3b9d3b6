// walk: lists a directory tree with readdir (sorted, so the order of the host's
// directory does not matter), with each entry's type and each file's size.
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int cmp(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int walk(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) {
    perror(dir);
    return 1;
  }
  char **names = NULL;
  size_t n = 0, cap = 0;
  struct dirent *e;
  int dots = 0;
  while ((e = readdir(d))) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) {
      dots++;
      continue;
    }
    if (n == cap) names = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof *names);
    names[n++] = strdup(e->d_name);
  }
  closedir(d);
  qsort(names, n, sizeof *names, cmp);
  printf("%s: %zu entries (and %d dot entries)\n", dir, n, dots);
  int status = 0;
  for (size_t i = 0; i < n; i++) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    struct stat st;
    if (lstat(path, &st) != 0) {
      perror(path);
      status = 1;
    } else if (S_ISDIR(st.st_mode)) {
      printf("d %s\n", path);
      status |= walk(path);
    } else if (S_ISLNK(st.st_mode)) {
      printf("l %s\n", path);
    } else {
      printf("f %s %lld\n", path, (long long)st.st_size);
    }
    free(names[i]);
  }
  free(names);
  return status;
}

int main(int argc, char **argv) {
  int status = 0;
  for (int i = 1; i < argc; i++) status |= walk(argv[i]);
  return status;
}
