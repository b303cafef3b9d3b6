// links: symlinks inside the preopened directory (DIR): create, follow, read, stat
// without following, a dangling one, a hard link, and removal.
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report.h"

static char bufs[3][512];
static const char *at(int slot, const char *name) {
  snprintf(bufs[slot], sizeof bufs[slot], "%s/%s", getenv("DIR") ? getenv("DIR") : ".", name);
  return bufs[slot];
}

int main(void) {
  FILE *f = fopen(at(0, "target.txt"), "w");
  report("create target.txt", f != NULL);
  if (!f) return 1;
  fputs("through the link\n", f);
  fclose(f);
  report("mkdir dir", mkdir(at(0, "dir"), 0755) == 0);

  report("symlink link -> target.txt", symlink("target.txt", at(0, "link")) == 0);
  report("symlink dir/up -> ../target.txt", symlink("../target.txt", at(0, "dir/up")) == 0);
  report("symlink dirlink -> dir", symlink("dir", at(0, "dirlink")) == 0);
  report("symlink dangling -> nowhere", symlink("nowhere", at(0, "dangling")) == 0);

  char buf[256];
  ssize_t n = readlink(at(0, "link"), buf, sizeof buf - 1);
  report("readlink link", n >= 0);
  if (n >= 0) printf("link -> %.*s\n", (int)n, buf);
  n = readlink(at(0, "dir/up"), buf, 3);
  report("readlink dir/up into 3 bytes", n >= 0);
  if (n >= 0) printf("dir/up -> %.*s (%zd bytes)\n", (int)n, buf, n);
  report("readlink target.txt (not a link)", readlink(at(0, "target.txt"), buf, sizeof buf) >= 0);

  for (const char *p = "link\0dir/up\0dirlink/../target.txt\0"; *p; p += strlen(p) + 1) {
    FILE *g = fopen(at(0, p), "r");
    char what[128];
    snprintf(what, sizeof what, "read through %s", p);
    report(what, g != NULL);
    if (g) {
      size_t m = fread(buf, 1, sizeof buf - 1, g);
      buf[m] = 0;
      printf("  %s", buf);
      fclose(g);
    }
  }
  struct stat st;
  report("lstat link", lstat(at(0, "link"), &st) == 0);
  printf("link is a symlink: %d, size %lld\n", S_ISLNK(st.st_mode), (long long)st.st_size);
  report("stat link", stat(at(0, "link"), &st) == 0);
  printf("link's target is a regular file: %d, size %lld\n", S_ISREG(st.st_mode), (long long)st.st_size);
  report("stat dangling", stat(at(0, "dangling"), &st) == 0);
  report("lstat dangling", lstat(at(0, "dangling"), &st) == 0);
  report("open dangling for writing creates nowhere", open(at(0, "dangling"), O_WRONLY | O_CREAT, 0644) >= 0);

  report("open link with O_NOFOLLOW", open(at(0, "link"), O_RDONLY | O_NOFOLLOW) >= 0);
  report("link hard -> target.txt", link(at(0, "target.txt"), at(1, "hard")) == 0);
  report("stat hard", stat(at(0, "hard"), &st) == 0);
  printf("hard has %lld links\n", (long long)st.st_nlink);
  report("unlink link", unlink(at(0, "link")) == 0);
  report("target.txt still there", access(at(0, "target.txt"), F_OK) == 0);
  report("unlink dirlink", unlink(at(0, "dirlink")) == 0);
  report("dir still there", access(at(0, "dir"), F_OK) == 0);
  return 0;
}
