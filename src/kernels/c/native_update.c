// The fused layer update and the 2×2 sum-pool of inference (docs/MODEL.md §1), compiled
// natively beside native_conv.c and called through Deno's FFI on tfjs's wasm heap by
// src/kernels/fused_update_cpu.ts, whose TypeScript loops (the cpu kernels) are their oracle:
//
//   clvm_fused_update: a = (bot + top) + bias (top absent, or at half resolution and copied to
//                      each 2×2 group when top_pooled); out = relu(a), or with nms, relu(a) at
//                      the first cell in raster order of each 2×2 group holding its maximum
//                      (strictly greater wins) and 0 at the other three.
//   clvm_sum_pool:     out[n, i, j, c] = (x[2i, 2j] + x[2i, 2j+1]) + (x[2i+1, 2j] + x[2i+1, 2j+1]).
//
// Sums in float in the loops' order, so results equal theirs bit for bit. Threads take
// disjoint rows (pairs of rows with nms, or for a pooled top).
#include <stddef.h>
#include <string.h>

#include "native_parallel.h"

typedef struct {
  const float *bot, *top, *bias;
  float* out;
  int n, h, w, c, nms, top_pooled;
} Update;

// a for the row pair starting at image row y of image img, into out (the nms pass reads it
// back from there).
static void update_rows(const Update* u, int img, int y, int count) {
  const int c = u->c, row = u->w * c;
  for (int yy = y; yy < y + count; yy++) {
    const size_t base = ((size_t)img * u->h + yy) * row;
    const float* b = u->bot + base;
    float* o = u->out + base;
    if (!u->top) {
      for (int x = 0; x < u->w; x++)
        for (int ch = 0; ch < c; ch++) o[x * c + ch] = b[x * c + ch] + u->bias[ch];
    } else if (!u->top_pooled) {
      const float* t = u->top + base;
      for (int i = 0; i < row; i += c)
        for (int ch = 0; ch < c; ch++) {
          const float s = b[i + ch] + t[i + ch];
          o[i + ch] = s + u->bias[ch];
        }
    } else {
      const float* t = u->top + (((size_t)img * (u->h / 2) + yy / 2) * (u->w / 2)) * c;
      for (int x = 0; x < u->w; x++)
        for (int ch = 0; ch < c; ch++) {
          const float s = b[x * c + ch] + t[(x / 2) * c + ch];
          o[x * c + ch] = s + u->bias[ch];
        }
    }
  }
}

// NMS in place over one pair of 2×2-group columns (c channels each): the scan "a later cell
// wins only if strictly greater" without branches, eight channels at a time. Which cell wins
// is a coin toss on real activations, and as branches it mispredicted about as often.
typedef float v8 __attribute__((vector_size(32)));
typedef int v8i __attribute__((vector_size(32)));
static inline v8i load8(const float* p) {
  v8i v;
  memcpy(&v, p, sizeof v);
  return v;
}
static inline void store8(float* p, v8i v) { memcpy(p, &v, sizeof v); }

static void nms_group_row(float* o0, float* o1, int c) {
  const v8i zero = {0};
  int k = 0;
  for (; k + 8 <= c; k += 8) {
    const v8i tl = load8(o0 + k), tr = load8(o0 + k + c), bl = load8(o1 + k);
    const v8i br = load8(o1 + k + c);
    const v8i w1 = (v8)tr > (v8)tl;
    const v8i m1 = (w1 & tr) | (~w1 & tl);
    const v8i w2 = (v8)bl > (v8)m1;
    const v8i m2 = (w2 & bl) | (~w2 & m1);
    const v8i w3 = (v8)br > (v8)m2;
    const v8i s2 = w2 & ~w3, s1 = w1 & ~w2 & ~w3, s0 = ~(w1 | w2 | w3);
    store8(o0 + k, tl & s0 & ((v8)tl > (v8)zero));
    store8(o0 + k + c, tr & s1 & ((v8)tr > (v8)zero));
    store8(o1 + k, bl & s2 & ((v8)bl > (v8)zero));
    store8(o1 + k + c, br & w3 & ((v8)br > (v8)zero));
  }
  for (; k < c; k++) {
    float* cell[4] = {o0 + k, o0 + k + c, o1 + k, o1 + k + c};
    int win = 0;
    for (int q = 1; q < 4; q++)
      if (*cell[q] > *cell[win]) win = q;
    for (int q = 0; q < 4; q++) *cell[q] = (q == win && *cell[q] > 0) ? *cell[q] : 0;
  }
}

static void update_work(void* arg, int t, int threads) {
  const Update* u = (const Update*)arg;
  const int c = u->c, row = u->w * c;
  const int pairs = u->n * (u->h / 2);
  const int p0 = (int)((long)pairs * t / threads), p1 = (int)((long)pairs * (t + 1) / threads);
  for (int p = p0; p < p1; p++) {
    const int img = p / (u->h / 2), y = 2 * (p % (u->h / 2));
    update_rows(u, img, y, 2);
    float* o0 = u->out + ((size_t)img * u->h + y) * row;
    float* o1 = o0 + row;
    if (!u->nms) {
      for (int i = 0; i < 2 * row; i++) o0[i] = o0[i] > 0 ? o0[i] : 0;
      continue;
    }
    for (int i = 0; i < row; i += 2 * c) nms_group_row(o0 + i, o1 + i, c);
  }
}

// bot, top (or null) and out are [n, h, w, c] (top [n, h/2, w/2, c] when top_pooled); h is even
// (and w when nms or top_pooled), except that an odd h without nms or pooling is allowed: its
// last row is done alone. Returns 0.
EXPORT int clvm_fused_update(const float* bot, const float* top, const float* bias, float* out,
                             int n, int h, int w, int c, int nms, int top_pooled, int threads) {
  Update u = {bot, top, bias, out, n, h, w, c, nms, top_pooled};
  if (h % 2 == 0) {
    clvm_parallel(update_work, &u, threads);
    return 0;
  }
  // Odd heights (no nms, no pooled top): one thread, row by row.
  for (int img = 0; img < n; img++) update_rows(&u, img, 0, h);
  for (size_t i = 0; i < (size_t)n * h * w * c; i++) out[i] = out[i] > 0 ? out[i] : 0;
  return 0;
}

typedef struct {
  const float* x;
  float* out;
  int n, h, w, c;
} Pool;

static void pool_work(void* arg, int t, int threads) {
  const Pool* s = (const Pool*)arg;
  const int c = s->c, h2 = s->h / 2, w2 = s->w / 2, row = s->w * c;
  const int rows = s->n * h2;
  const int r0 = (int)((long)rows * t / threads), r1 = (int)((long)rows * (t + 1) / threads);
  for (int r = r0; r < r1; r++) {
    const int img = r / h2, i = r % h2;
    const float* a0 = s->x + ((size_t)img * s->h + 2 * i) * row;
    const float* a1 = a0 + row;
    float* o = s->out + (size_t)r * w2 * c;
    for (int j = 0; j < w2; j++)
      for (int ch = 0; ch < c; ch++) {
        const int k = 2 * j * c + ch;
        o[j * c + ch] = (a0[k] + a0[k + c]) + (a1[k] + a1[k + c]);
      }
  }
}

// x is [n, h, w, c], out [n, h/2, w/2, c]. Returns 0.
EXPORT int clvm_sum_pool(const float* x, float* out, int n, int h, int w, int c, int threads) {
  Pool s = {x, out, n, h, w, c};
  clvm_parallel(pool_work, &s, threads);
  return 0;
}
