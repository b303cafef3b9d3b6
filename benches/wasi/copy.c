// copy: copies argv[1] to argv[2] through read/write (fd_read/fd_write) in 64 KiB chunks.
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc != 3) return 2;
  int in = open(argv[1], O_RDONLY), out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (in < 0 || out < 0) return perror("open"), 1;
  static char buf[64 * 1024];
  ssize_t n;
  while ((n = read(in, buf, sizeof buf)) > 0) {
    for (ssize_t off = 0; off < n;) {
      ssize_t w = write(out, buf + off, n - off);
      if (w < 0) return perror("write"), 1;
      off += w;
    }
  }
  return n < 0;
}
