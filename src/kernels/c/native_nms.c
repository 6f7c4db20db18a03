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

#include "native_parallel.h"

typedef struct {
  const float* a;
  float* pass;
  int n, h, w, c;
} Nms;

static inline float max_nan(float x, float y) { return (x > y || x != x) ? x : y; }

static void nms_work(void* arg, int t, int threads) {
  const Nms* s = (const Nms*)arg;
  const int rows = s->n * (s->h / 2), row = s->w * s->c;
  const int r0 = (int)((long)rows * t / threads), r1 = (int)((long)rows * (t + 1) / threads);
  for (int g = r0; g < r1; g++) {
    const size_t top = (size_t)2 * g * row;  // image g / (h/2), group row g % (h/2)
    const float *a0 = s->a + top, *a1 = a0 + row;
    float *p0 = s->pass + top, *p1 = p0 + row;
    for (int x = 0; x < s->w; x += 2) {
      for (int i = x * s->c, e = i + s->c; i < e; i++) {
        const int j = i + s->c;
        const float tl = a0[i], tr = a0[j], bl = a1[i], br = a1[j];
        const float m = max_nan(max_nan(tl, tr), max_nan(bl, br));
        const int w0 = tl == m, w1 = !w0 && tr == m, w2 = !w0 && !w1 && bl == m;
        const int w3 = !w0 && !w1 && !w2;
        p0[i] = (w0 && tl > 0) ? 1.0f : 0.0f;
        p0[j] = (w1 && tr > 0) ? 1.0f : 0.0f;
        p1[i] = (w2 && bl > 0) ? 1.0f : 0.0f;
        p1[j] = (w3 && br > 0) ? 1.0f : 0.0f;
      }
    }
  }
}

// a and pass are [n, h, w, c] with h and w even. Returns 0.
EXPORT int clvm_nms_pass(const float* a, float* pass, int n, int h, int w, int c, int threads) {
  Nms s = {a, pass, n, h, w, c};
  clvm_parallel(nms_work, &s, threads);
  return 0;
}
