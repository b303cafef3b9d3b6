// Compute kernels for benches/run.sh, compiled once with
// `clang-19 --target=wasm32 -nostdlib -O2` and run by every engine on identical inputs.
// Each export takes its size as an i32 and returns an i32 checksum, so a wrong result is
// caught by comparing outputs across engines.

#define EXPORT(name) __attribute__((export_name(name)))

typedef unsigned int u32;

// -nostdlib: clang may turn a zeroing loop into a memset call.
void *memset(void *d, int c, unsigned long n) {
  volatile unsigned char *p = d;
  while (n--) *p++ = (unsigned char)c;
  return d;
}

// Recursive Fibonacci: calls dominate (V8 tiers each call up quickly).
static int fib_rec(int n) { return n < 2 ? n : fib_rec(n - 1) + fib_rec(n - 2); }
EXPORT("fib") int fib(int n) { return fib_rec(n); }

// A linear congruential generator in one loop: one function, one call, no memory.
EXPORT("lcg") u32 lcg(int n) {
  u32 x = 1;
  for (int i = 0; i < n; i++) {
    x = x * 1103515245u + 12345u;
    x ^= x >> 7;
  }
  return x;
}

// Dense matrix product C = A * B on 256 x 256 doubles, `reps` times.
#define N 256
static double A[N * N], B[N * N], C[N * N];
static void gemm_once(void) {
  for (int i = 0; i < N; i++) {
    for (int j = 0; j < N; j++) C[i * N + j] = 0;
    for (int k = 0; k < N; k++) {
      double a = A[i * N + k];
      for (int j = 0; j < N; j++) C[i * N + j] += a * B[k * N + j];
    }
  }
}
EXPORT("gemm") int gemm(int reps) {
  for (int i = 0; i < N * N; i++) {
    A[i] = (double)(i % 17) * 0.25;
    B[i] = (double)(i % 13) * 0.5;
  }
  double sum = 0;
  for (int r = 0; r < reps; r++) {
    gemm_once();
    sum += C[(r * 7919) % (N * N)];
    A[r % (N * N)] += 1.0;
  }
  return (int)sum;
}

// SHA-256 (FIPS 180-4) of `mib` MiB of generated data, block by block.
static const u32 K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
    0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
    0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
    0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
    0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
    0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
    0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2};
#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))
static void sha256_block(u32 h[8], const unsigned char *p) {
  u32 w[64];
  for (int i = 0; i < 16; i++)
    w[i] = (u32)p[4 * i] << 24 | (u32)p[4 * i + 1] << 16 | (u32)p[4 * i + 2] << 8 | p[4 * i + 3];
  for (int i = 16; i < 64; i++) {
    u32 s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
    u32 s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  u32 a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
  for (int i = 0; i < 64; i++) {
    u32 t1 = hh + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
    u32 t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
    hh = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
  }
  h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
}
static unsigned char DATA[1 << 20];
EXPORT("sha256") u32 sha256(int mib) {
  u32 x = 7;
  for (int i = 0; i < (1 << 20); i++) {
    x = x * 1664525u + 1013904223u;
    DATA[i] = (unsigned char)(x >> 24);
  }
  u32 h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
              0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  for (int m = 0; m < mib; m++)
    for (int off = 0; off < (1 << 20); off += 64) sha256_block(h, DATA + off);
  return h[0] ^ h[7];
}

// Shell sort (Ciura's gaps, extended) of 2^20 generated ints, `reps` times: one function
// with nested loops, so one long call.
#define SN (1 << 20)
static int ARR[SN];
EXPORT("sort") u32 sort(int reps) {
  static const int gaps[] = {510774, 227011, 100894, 44842, 19930, 8858, 3937,
                             1750, 701, 301, 132, 57, 23, 10, 4, 1};
  u32 x = 42, check = 0;
  for (int r = 0; r < reps; r++) {
    for (int i = 0; i < SN; i++) {
      x = x * 1103515245u + 12345u;
      ARR[i] = (int)(x >> 1);
    }
    for (unsigned g = 0; g < sizeof gaps / sizeof gaps[0]; g++) {
      int gap = gaps[g];
      for (int i = gap; i < SN; i++) {
        int v = ARR[i], j = i;
        while (j >= gap && ARR[j - gap] > v) {
          ARR[j] = ARR[j - gap];
          j -= gap;
        }
        ARR[j] = v;
      }
    }
    for (int i = 1; i < SN; i++)
      if (ARR[i - 1] > ARR[i]) return 0;
    check ^= (u32)ARR[SN / 2] + (u32)r;
  }
  return check;
}

// One long-running call: a Mandelbrot set on a size x size grid, 256 iterations per
// point, everything in one function (no call for the engine to tier up at).
EXPORT("mandel") int mandel(int size) {
  int inside = 0;
  for (int py = 0; py < size; py++) {
    for (int px = 0; px < size; px++) {
      double cr = -2.0 + 2.5 * px / size, ci = -1.25 + 2.5 * py / size;
      double zr = 0, zi = 0;
      int k = 0;
      while (k < 256 && zr * zr + zi * zi <= 4.0) {
        double t = zr * zr - zi * zi + cr;
        zi = 2 * zr * zi + ci;
        zr = t;
        k++;
      }
      inside += k == 256;
    }
  }
  return inside;
}
