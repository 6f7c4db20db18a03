// The pass mask of NMS over non-overlapping 2×2 groups (docs/MODEL.md §1), compiled natively
// beside native_conv.c and called through Deno's FFI on tfjs's wasm heap by
// src/kernels/nms_pass.ts, whose TypeScript loops (the cpu kernel) are its test oracle:
//
//   pass[n, y, x, c] = 1 where (y, x) is the first cell in raster order of its 2×2 group to
//                      hold the group's maximum of a[n, ·, ·, c], and a > 0 there; else 0.
//
// A NaN in a group makes its maximum NaN, which no cell equals: the last cell then wins, as in
// the tfjs composition (ops/nms.ts). Threads take disjoint rows of groups.
#include <stddef.h>
#include <string.h>

#include "native_parallel.h"

typedef struct {
  const float* a;
  float* pass;
  int n, h, w, c;
} Nms;

// Branch-free, eight channels at a time: which cell of a group wins is a coin toss on real
// activations, and gcc compiled the scalar selects to branches that mispredicted (16 ms for
// a 32×112×112×8 map on one thread; this form takes about 2 ms with gcc and with clang). A
// group holding a NaN has no cell equal to its maximum, so `ok` hands it to the last cell.
typedef float v8 __attribute__((vector_size(32)));
typedef int v8i __attribute__((vector_size(32)));
static inline v8i load8(const float* p) {
  v8i v;
  memcpy(&v, p, sizeof v);
  return v;
}
static inline void store8(float* p, v8i v) { memcpy(p, &v, sizeof v); }
static inline v8i max8(v8i x, v8i y) {
  const v8i gt = (v8)x > (v8)y;
  return (gt & x) | (~gt & y);
}
static inline float max1(float x, float y) { return x > y ? x : y; }

// One row of groups: a0/a1 the group's two input rows, p0/p1 the mask's.
static void nms_row(const float* a0, const float* a1, float* p0, float* p1, int w, int c) {
  const v8i one = (v8i){0} + 0x3f800000, zero = {0};  // the bits of 1.0f and of 0.0f
  for (int x = 0; x < w; x += 2) {
    const size_t at = (size_t)x * c;
    const float *l0 = a0 + at, *r0 = l0 + c, *l1 = a1 + at, *r1 = l1 + c;
    float *q0 = p0 + at, *s0 = q0 + c, *q1 = p1 + at, *s1 = q1 + c;
    int k = 0;
    for (; k + 8 <= c; k += 8) {
      const v8i tl = load8(l0 + k), tr = load8(r0 + k), bl = load8(l1 + k), br = load8(r1 + k);
      const v8i ok = ((v8)tl == (v8)tl) & ((v8)tr == (v8)tr) & ((v8)bl == (v8)bl) &
                     ((v8)br == (v8)br);
      const v8i m = max8(max8(tl, tr), max8(bl, br));
      const v8i e0 = ((v8)tl == (v8)m) & ok, e1 = ((v8)tr == (v8)m) & ok;
      const v8i e2 = ((v8)bl == (v8)m) & ok;
      store8(q0 + k, e0 & ((v8)tl > (v8)zero) & one);
      store8(s0 + k, e1 & ~e0 & ((v8)tr > (v8)zero) & one);
      store8(q1 + k, e2 & ~(e0 | e1) & ((v8)bl > (v8)zero) & one);
      store8(s1 + k, ~(e0 | e1 | e2) & ((v8)br > (v8)zero) & one);
    }
    for (; k < c; k++) {
      const float tl = l0[k], tr = r0[k], bl = l1[k], br = r1[k];
      const int ok = (tl == tl) & (tr == tr) & (bl == bl) & (br == br);
      const float m = max1(max1(tl, tr), max1(bl, br));
      const int e0 = (tl == m) & ok, e1 = (tr == m) & ok, e2 = (bl == m) & ok;
      q0[k] = (float)(e0 & (tl > 0));
      s0[k] = (float)(e1 & !e0 & (tr > 0));
      q1[k] = (float)(e2 & !(e0 | e1) & (bl > 0));
      s1[k] = (float)(!(e0 | e1 | e2) & (br > 0));
    }
  }
}

static void nms_work(void* arg, int t, int threads) {
  const Nms* s = (const Nms*)arg;
  const int rows = s->n * (s->h / 2), row = s->w * s->c;
  const int r0 = (int)((long)rows * t / threads), r1 = (int)((long)rows * (t + 1) / threads);
  for (int g = r0; g < r1; g++) {
    const size_t top = (size_t)2 * g * row;  // image g / (h/2), group row g % (h/2)
    nms_row(s->a + top, s->a + top + row, s->pass + top, s->pass + top + row, s->w, s->c);
  }
}

// a and pass are [n, h, w, c] with h and w even. Returns 0.
EXPORT int clvm_nms_pass(const float* a, float* pass, int n, int h, int w, int c, int threads) {
  Nms s = {a, pass, n, h, w, c};
  clvm_parallel(nms_work, &s, threads);
  return 0;
}
