// files: writes, renames, truncates, appends to and unlinks files and directories in the
// directory named by argv[1], printing what each step saw.
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report.h"

static char path_buf[4][512];
static const char *at(int slot, const char *name) {
  snprintf(path_buf[slot], sizeof path_buf[slot], "%s/%s", getenv("DIR") ? getenv("DIR") : ".", name);
  return path_buf[slot];
}

static void show(const char *name) {
  FILE *f = fopen(at(3, name), "r");
  if (!f) {
    printf("read %s: %s\n", name, strerror(errno));
    return;
  }
  char buf[256];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  buf[n] = 0;
  fclose(f);
  printf("read %s: %zu bytes \"%s\"\n", name, n, buf);
}

int main(void) {
  FILE *f = fopen(at(0, "a.txt"), "w");
  report("create a.txt", f != NULL);
  if (!f) return 1;
  fputs("hello, files\n", f);
  fclose(f);
  show("a.txt");

  report("rename a.txt -> b.txt", rename(at(0, "a.txt"), at(1, "b.txt")) == 0);
  show("a.txt");
  show("b.txt");

  report("truncate b.txt to 5", truncate(at(0, "b.txt"), 5) == 0);
  show("b.txt");

  int fd = open(at(0, "b.txt"), O_WRONLY | O_APPEND);
  report("open b.txt for append", fd >= 0);
  report("append", write(fd, " world", 6) == 6);
  off_t end = lseek(fd, 0, SEEK_CUR);
  printf("position after append: %lld\n", (long long)end);
  close(fd);
  show("b.txt");

  fd = open(at(0, "c.bin"), O_RDWR | O_CREAT | O_EXCL, 0644);
  report("create c.bin exclusively", fd >= 0);
  report("create c.bin exclusively again", open(at(0, "c.bin"), O_RDWR | O_CREAT | O_EXCL, 0644) >= 0);
  report("pwrite at 10", pwrite(fd, "XY", 2, 10) == 2);
  char buf[16] = {0};
  report("pread at 9", pread(fd, buf, 4, 9) == 3);
  printf("pread got %d %c %c\n", buf[0], buf[1], buf[2]);
  report("ftruncate c.bin to 4", ftruncate(fd, 4) == 0);
  struct stat st;
  report("fstat c.bin", fstat(fd, &st) == 0);
  printf("c.bin size %lld, regular %d\n", (long long)st.st_size, S_ISREG(st.st_mode));
  printf("seek end: %lld\n", (long long)lseek(fd, 0, SEEK_END));
  report("seek before start", lseek(fd, -100, SEEK_SET) >= 0);
  close(fd);

  report("mkdir sub", mkdir(at(0, "sub"), 0755) == 0);
  report("mkdir sub again", mkdir(at(0, "sub"), 0755) == 0);
  report("rename b.txt -> sub/b.txt", rename(at(0, "b.txt"), at(1, "sub/b.txt")) == 0);
  report("rmdir non-empty sub", rmdir(at(0, "sub")) == 0);
  report("unlink sub (a directory)", unlink(at(0, "sub")) == 0);
  report("unlink c.bin", unlink(at(0, "c.bin")) == 0);
  report("unlink c.bin again", unlink(at(0, "c.bin")) == 0);
  report("open missing.txt", open(at(0, "missing.txt"), O_RDONLY) >= 0);
  report("open sub/b.txt/x (not a directory)", open(at(0, "sub/b.txt/x"), O_RDONLY) >= 0);
  report("mkdir gone", mkdir(at(0, "gone"), 0755) == 0);
  report("rmdir gone", rmdir(at(0, "gone")) == 0);
  show("sub/b.txt");
  return 0;
}
