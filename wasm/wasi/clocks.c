// clocks: sanity of the realtime and monotonic clocks and of random_get, and a
// poll_oneoff sleep (nanosleep) that must not return early.
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <wasi/api.h>

static uint64_t ns(clockid_t c) {
  struct timespec t;
  clock_gettime(c, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

int main(void) {
  uint64_t real = ns(CLOCK_REALTIME);
  // After 2020-01-01 and before 2200: a real wall clock, in nanoseconds.
  printf("realtime plausible: %d\n", real > 1577836800ull * 1000000000u && real < 7258118400ull * 1000000000u);
  uint64_t a = ns(CLOCK_MONOTONIC), b = ns(CLOCK_MONOTONIC);
  printf("monotonic does not go back: %d\n", b >= a);
  struct timespec res;
  printf("monotonic resolution ok: %d\n", clock_getres(CLOCK_MONOTONIC, &res) == 0 && res.tv_sec == 0 && res.tv_nsec > 0 && res.tv_nsec <= 1000000);
  printf("realtime resolution ok: %d\n", clock_getres(CLOCK_REALTIME, &res) == 0 && res.tv_sec == 0 && res.tv_nsec > 0);

  unsigned char r1[64], r2[64];
  memset(r1, 0, sizeof r1);
  memset(r2, 0, sizeof r2);
  printf("random_get: %d %d\n", getentropy(r1, sizeof r1), getentropy(r2, sizeof r2));
  int zero = 1;
  for (size_t i = 0; i < sizeof r1; i++) zero &= r1[i] == 0;
  printf("random differs between calls: %d, not all zero: %d\n", memcmp(r1, r2, sizeof r1) != 0, !zero);

  uint64_t before = ns(CLOCK_MONOTONIC);
  struct timespec nap = {0, 50 * 1000 * 1000};
  printf("nanosleep: %d\n", nanosleep(&nap, NULL));
  uint64_t slept = ns(CLOCK_MONOTONIC) - before;
  printf("slept at least 50 ms: %d\n", slept >= 50ull * 1000 * 1000);

  // poll_oneoff with a clock and a ready descriptor: the descriptor's event comes back.
  __wasi_subscription_t subs[2];
  memset(subs, 0, sizeof subs);
  subs[0].userdata = 1;
  subs[0].u.tag = __WASI_EVENTTYPE_CLOCK;
  subs[0].u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
  subs[0].u.u.clock.timeout = 10ull * 1000 * 1000 * 1000;
  subs[1].userdata = 2;
  subs[1].u.tag = __WASI_EVENTTYPE_FD_WRITE;
  subs[1].u.u.fd_write.file_descriptor = 1;
  __wasi_event_t ev[2];
  __wasi_size_t nev = 0;
  int e = __wasi_poll_oneoff(subs, ev, 2, &nev);
  printf("poll_oneoff(clock 10 s, stdout writable): errno %d, %u event(s), first userdata %llu type %d\n",
         e, (unsigned)nev, (unsigned long long)ev[0].userdata, ev[0].type);
  printf("poll_oneoff with no subscriptions: errno %d\n", __wasi_poll_oneoff(subs, ev, 0, &nev));
  subs[1].u.u.fd_write.file_descriptor = 99;
  printf("poll_oneoff on a bad fd: errno %d\n", __wasi_poll_oneoff(subs, ev, 2, &nev));
  return 0;
}
