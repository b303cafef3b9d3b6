// escape: tries to reach files outside the preopened directory (DIR) by `..`, absolute
// paths, a symlink pointing out, a rename out, and raw WASI calls that bypass libc's own
// path handling. Every attempt must fail.
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>
#include <wasi/api.h>

#include "report.h"

static char bufs[3][512];
static const char *at(int slot, const char *name) {
  snprintf(bufs[slot], sizeof bufs[slot], "%s/%s", getenv("DIR") ? getenv("DIR") : ".", name);
  return bufs[slot];
}

static void raw_open(const char *path) {
  __wasi_fd_t fd;
  __wasi_errno_t e = __wasi_path_open(3, 0, path, 0, __WASI_RIGHTS_FD_READ, 0, 0, &fd);
  printf("raw path_open(3, \"%s\"): errno %d\n", path, e);
}

int main(void) {
  report("open ../outside.txt", open(at(0, "../outside.txt"), O_RDONLY) >= 0);
  report("open ../../outside.txt", open(at(0, "../../outside.txt"), O_RDONLY) >= 0);
  report("open /etc/passwd", open("/etc/passwd", O_RDONLY) >= 0);
  report("create ../created.txt", open(at(0, "../created.txt"), O_WRONLY | O_CREAT, 0644) >= 0);
  report("mkdir ../newdir", mkdir(at(0, "../newdir"), 0755) == 0);

  report("symlink out -> ../outside.txt", symlink("../outside.txt", at(0, "out")) == 0);
  report("read through out", open(at(0, "out"), O_RDONLY) >= 0);
  report("write through out", open(at(0, "out"), O_WRONLY | O_TRUNC) >= 0);
  report("symlink abs -> /etc/passwd", symlink("/etc/passwd", at(0, "abs")) == 0);
  report("read through abs", open(at(0, "abs"), O_RDONLY) >= 0);
  report("read through planted (a link to the outside made by the host)", open(at(0, "planted"), O_RDONLY) >= 0);
  report("stat through planted", access(at(0, "planted"), F_OK) == 0);
  report("opendir planted_dir/..", open(at(0, "planted_dir/.."), O_RDONLY | O_DIRECTORY) >= 0);

  FILE *f = fopen(at(0, "inside.txt"), "w");
  if (f) fclose(f);
  report("rename inside.txt -> ../moved.txt", rename(at(0, "inside.txt"), at(1, "../moved.txt")) == 0);
  report("link inside.txt -> ../linked.txt", link(at(0, "inside.txt"), at(1, "../linked.txt")) == 0);
  report("unlink ../outside.txt", unlink(at(0, "../outside.txt")) == 0);

  raw_open("../outside.txt");
  raw_open("/etc/passwd");
  raw_open("sub/../../outside.txt");
  raw_open("planted");
  raw_open("out");
  __wasi_fd_t fd;
  printf("raw path_open(3, \".\"): errno %d\n", __wasi_path_open(3, 0, ".", __WASI_OFLAGS_DIRECTORY, __WASI_RIGHTS_FD_READDIR, 0, 0, &fd));
  printf("raw path_open(fd 99): errno %d\n", __wasi_path_open(99, 0, "x", 0, 0, 0, 0, &fd));
  printf("raw path_open(stdout): errno %d\n", __wasi_path_open(1, 0, "x", 0, 0, 0, 0, &fd));
  return 0;
}
