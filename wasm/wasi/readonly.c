// readonly: in a read-only preopen (DIR), reading works and every change is refused.
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
  char buf[64] = {0};
  int fd = open(at(0, "data.txt"), O_RDONLY);
  report("open data.txt for reading", fd >= 0);
  report("read data.txt", read(fd, buf, sizeof buf - 1) > 0);
  printf("data.txt: %s", buf);
  report("write to a file opened for reading", write(fd, "x", 1) == 1);
  close(fd);
  report("open data.txt for writing", open(at(0, "data.txt"), O_WRONLY) >= 0);
  report("create new.txt", open(at(0, "new.txt"), O_WRONLY | O_CREAT, 0644) >= 0);
  report("mkdir d", mkdir(at(0, "d"), 0755) == 0);
  report("unlink data.txt", unlink(at(0, "data.txt")) == 0);
  report("rename data.txt", rename(at(0, "data.txt"), at(1, "moved.txt")) == 0);
  report("symlink", symlink("data.txt", at(0, "l")) == 0);
  report("truncate", truncate(at(0, "data.txt"), 0) == 0);
  return 0;
}
