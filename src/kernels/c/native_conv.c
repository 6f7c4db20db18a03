// Stride-1 NHWC convolutions for the CPU, compiled natively (not to wasm) and called through
// Deno's FFI on the tensors where tfjs's wasm backend keeps them (its heap), by
// src/kernels/native_conv.ts. wasm's 128-bit SIMD without fused multiply-add caps a core at
// about a quarter of what its native vector units do; these loops use them.
//
//   clvm_conv_forward:      y[n, y, x, o] = sum_{i, j, c} x[n, y + i - pt, x + j - pl, c] * w[i, j, c, o]
//                           (flip = 1: w is the filter of the convolution this one transposes,
//                           [fh, fw, o, c], read spatially reversed: Conv2DBackpropInput)
//   clvm_conv_filter_grad:  dw[i, j, c, o] = sum_{n, y, x} x[n, y + i - pt, x + j - pl, c] * dy[n, y, x, o]
//
// Terms whose input pixel lies outside the image are zero. Both are register-tiled products:
// a tile of MR rows by NR = 32 columns lives in 2·MR vector registers while the summed
// dimension streams past (MR broadcasts and 2 vector loads per 2·MR multiply-adds). Written with
// clang's portable vector type, so the same source builds for AVX-512, AVX2 or NEON with
// -march=native. Work is split over `threads` POSIX threads by disjoint outputs, so the sums,
// and the results, do not depend on the thread count.
#include <stdlib.h>
#include <string.h>

#include "native_parallel.h"

#define MR 8
#define NR 32

typedef float v16 __attribute__((vector_size(64), aligned(4)));

static inline v16 load16(const float* p) { return *(const v16*)p; }
static inline void store16(float* p, v16 v) { *(v16*)p = v; }
static inline v16 splat(float s) { return (v16){0} + s; }
static int imin(int a, int b) { return a < b ? a : b; }
static int imax(int a, int b) { return a > b ? a : b; }

typedef struct {
  int n, h, w, ci, oh, ow, co, fh, fw, pt, pl;
} Shape;

// ---- forward (and, with a flipped filter, the input gradient) -------------------------------

typedef struct {
  Shape s;
  const float* x;
  const float* packed;  // [panel][tap][c][NR], zero past co
  float* y;
  const float* zeros;   // ci zeros: the "pixel" outside the image
  int panels, rows_per_chunk;
} Forward;

// out[r][0..nvalid) for r < mvalid = sum over taps and c of rows[tap][r][c] * b[tap][c][..].
static void forward_tile(const float* const* rows, const float* b, int taps, int k, float* out,
                         int ldo, int mvalid, int nvalid) {
  v16 lo[MR], hi[MR];
  for (int r = 0; r < MR; r++) lo[r] = hi[r] = splat(0);
  for (int t = 0; t < taps; t++) {
    const float* const* rt = rows + t * MR;
    const float* bt = b + (size_t)t * k * NR;
    for (int c = 0; c < k; c++) {
      const v16 b0 = load16(bt + c * NR), b1 = load16(bt + c * NR + 16);
      for (int r = 0; r < MR; r++) {
        const v16 a = splat(rt[r][c]);
        lo[r] += a * b0;
        hi[r] += a * b1;
      }
    }
  }
  for (int r = 0; r < mvalid; r++) {
    float* o = out + (size_t)r * ldo;
    if (nvalid == NR) {
      store16(o, lo[r]);
      store16(o + 16, hi[r]);
    } else {
      float tmp[NR];
      store16(tmp, lo[r]);
      store16(tmp + 16, hi[r]);
      memcpy(o, tmp, sizeof(float) * nvalid);
    }
  }
}

static void forward_work(void* arg, int t, int threads) {
  const Forward* f = (const Forward*)arg;
  const Shape* s = &f->s;
  const int taps = s->fh * s->fw, total = s->n * s->oh;
  const int chunks = (total + f->rows_per_chunk - 1) / f->rows_per_chunk;
  const float* rows[MR * 64];  // taps ≤ 64 (filters up to 8×8)
  for (int ch = t; ch < chunks; ch += threads) {
    const int r0 = ch * f->rows_per_chunk, r1 = imin(total, r0 + f->rows_per_chunk);
    for (int p = 0; p < f->panels; p++) {
      const float* b = f->packed + (size_t)p * taps * s->ci * NR;
      const int nvalid = imin(NR, s->co - p * NR);
      for (int r = r0; r < r1; r++) {
        const int img = r / s->oh, oy = r - img * s->oh;
        float* yrow = f->y + ((size_t)r * s->ow) * s->co + p * NR;
        for (int m0 = 0; m0 < s->ow; m0 += MR) {
          const int mvalid = imin(MR, s->ow - m0);
          for (int i = 0; i < s->fh; i++) {
            const int iy = oy + i - s->pt;
            for (int j = 0; j < s->fw; j++) {
              const float** rt = rows + (i * s->fw + j) * MR;
              for (int q = 0; q < MR; q++) {
                const int ix = m0 + q + j - s->pl;
                rt[q] = (q < mvalid && iy >= 0 && iy < s->h && ix >= 0 && ix < s->w)
                            ? f->x + (((size_t)img * s->h + iy) * s->w + ix) * s->ci
                            : f->zeros;
              }
            }
          }
          forward_tile(rows, b, taps, s->ci, yrow + (size_t)m0 * s->co, s->co, mvalid, nvalid);
        }
      }
    }
  }
}

// Returns 0, or -1 when a buffer cannot be allocated or the filter has more than 64 taps.
EXPORT int clvm_conv_forward(const float* x, const float* w, float* y, int n, int h, int wd, int ci,
                             int oh, int ow, int co, int fh, int fw, int pt, int pl, int flip,
                             int threads) {
  const int taps = fh * fw;
  if (taps > 64) return -1;
  const int panels = (co + NR - 1) / NR;
  float* packed = (float*)calloc((size_t)panels * taps * ci * NR, sizeof(float));
  float* zeros = (float*)calloc((size_t)ci + 16, sizeof(float));
  if (!packed || !zeros) {
    free(packed);
    free(zeros);
    return -1;
  }
  for (int i = 0; i < fh; i++)
    for (int j = 0; j < fw; j++)
      for (int c = 0; c < ci; c++)
        for (int o = 0; o < co; o++) {
          const int t = i * fw + j;
          const float v = flip ? w[(((size_t)(fh - 1 - i) * fw + (fw - 1 - j)) * co + o) * ci + c]
                               : w[(((size_t)t) * ci + c) * co + o];
          packed[(((size_t)(o / NR) * taps + t) * ci + c) * NR + o % NR] = v;
        }
  Forward f = {{n, h, wd, ci, oh, ow, co, fh, fw, pt, pl}, x, packed, y, zeros, panels, 0};
  // Chunks of output rows whose input rows and filter panel stay in cache, at least one per thread.
  const int total = n * oh;
  int rows = imax(1, 2048 / imax(1, ow));
  if (threads > 1) rows = imin(rows, imax(1, (total + threads - 1) / threads));
  f.rows_per_chunk = rows;
  clvm_parallel(forward_work, &f, threads);
  free(packed);
  free(zeros);
  return 0;
}

// ---- filter gradient -----------------------------------------------------------------------

typedef struct {
  Shape s;
  const float* x;
  const float* dy;   // rows of ld floats (co, or co padded to panels · NR)
  float* dw;         // [tap][c][ld]
  int ld, panels, cblocks, rows_per_chunk;
} FilterGrad;

// One MR-channel by NR-output tile of dw for tap (i, j), summed over output rows [r0, r1).
static void filter_tile(const FilterGrad* g, int i, int j, int cb, int p, int r0, int r1) {
  const Shape* s = &g->s;
  float* out = g->dw + (((size_t)(i * s->fw + j)) * s->ci + cb) * g->ld + p * NR;
  const int mvalid = imin(MR, s->ci - cb);
  int off[MR];  // channels past ci reread the last one; their sums are dropped
  for (int r = 0; r < MR; r++) off[r] = imin(r, mvalid - 1);
  v16 lo[MR], hi[MR];
  for (int r = 0; r < MR; r++) {
    lo[r] = r < mvalid ? load16(out + (size_t)r * g->ld) : splat(0);
    hi[r] = r < mvalid ? load16(out + (size_t)r * g->ld + 16) : splat(0);
  }
  const int x0 = imax(0, s->pl - j), x1 = imin(s->ow, s->w + s->pl - j);
  for (int r = r0; r < r1; r++) {
    const int img = r / s->oh, oy = r - img * s->oh, iy = oy + i - s->pt;
    if (iy < 0 || iy >= s->h || x1 <= x0) continue;
    const float* d = g->dy + ((size_t)r * s->ow + x0) * g->ld + p * NR;
    const float* a = g->x + (((size_t)img * s->h + iy) * s->w + x0 + j - s->pl) * s->ci + cb;
    for (int q = x0; q < x1; q++, d += g->ld, a += s->ci) {
      const v16 d0 = load16(d), d1 = load16(d + 16);
      for (int r = 0; r < MR; r++) {
        const v16 av = splat(a[off[r]]);
        lo[r] += av * d0;
        hi[r] += av * d1;
      }
    }
  }
  for (int r = 0; r < mvalid; r++) {
    store16(out + (size_t)r * g->ld, lo[r]);
    store16(out + (size_t)r * g->ld + 16, hi[r]);
  }
}

static void filter_work(void* arg, int t, int threads) {
  const FilterGrad* g = (const FilterGrad*)arg;
  const Shape* s = &g->s;
  const int taps = s->fh * s->fw, total = s->n * s->oh;
  const int tiles = taps * g->cblocks * g->panels;
  // Each thread owns whole tiles (disjoint outputs) and sums them over every chunk in order.
  const int t0 = (int)((long)tiles * t / threads), t1 = (int)((long)tiles * (t + 1) / threads);
  for (int r0 = 0; r0 < total; r0 += g->rows_per_chunk) {
    const int r1 = imin(total, r0 + g->rows_per_chunk);
    for (int k = t0; k < t1; k++) {
      const int p = k % g->panels, rest = k / g->panels;
      const int cb = (rest % g->cblocks) * MR, tap = rest / g->cblocks;
      filter_tile(g, tap / s->fw, tap % s->fw, cb, p, r0, r1);
    }
  }
}

// Returns 0, or -1 when a buffer cannot be allocated.
EXPORT int clvm_conv_filter_grad(const float* x, const float* dy, float* dw, int n, int h, int wd,
                                 int ci, int oh, int ow, int co, int fh, int fw, int pt, int pl,
                                 int threads) {
  const int panels = (co + NR - 1) / NR, ld = panels * NR, taps = fh * fw;
  const size_t positions = (size_t)n * oh * ow;
  const int padded = ld != co;
  // Outputs not a multiple of NR: dy and dw go through copies padded with zeros.
  float* dyp = padded ? (float*)calloc(positions * ld, sizeof(float)) : 0;
  float* dwp = (float*)calloc((size_t)taps * ci * ld + 16, sizeof(float));
  if ((padded && !dyp) || !dwp) {
    free(dyp);
    free(dwp);
    return -1;
  }
  if (padded)
    for (size_t q = 0; q < positions; q++) memcpy(dyp + q * ld, dy + q * co, sizeof(float) * co);
  FilterGrad g = {{n, h, wd, ci, oh, ow, co, fh, fw, pt, pl}, x, padded ? dyp : dy, dwp, ld, panels,
                  (ci + MR - 1) / MR, imax(1, 512 / imax(1, ow))};
  clvm_parallel(filter_work, &g, threads);
  for (size_t q = 0; q < (size_t)taps * ci; q++) memcpy(dw + q * co, dwp + q * ld, sizeof(float) * co);
  free(dyp);
  free(dwp);
  return 0;
}

// ---- sums over leading axes ----------------------------------------------------------------

// out[c] = sum over r < rows of x[r * cols + c]: a bias gradient, the sum of dy over its batch
// and pixels (tfjs's wasm Sum transposes the reduced axes innermost first). Blocks of 256 rows
// are summed apart and then added, which bounds float32 rounding far below one long running sum.
EXPORT int clvm_sum_leading(const float* x, float* out, int rows, int cols) {
  float* block = (float*)calloc((size_t)cols + 16, sizeof(float));
  if (!block) return -1;
  for (int c = 0; c < cols; c++) out[c] = 0;
  for (int r0 = 0; r0 < rows; r0 += 256) {
    const int r1 = imin(rows, r0 + 256);
    for (int c = 0; c < cols; c++) block[c] = 0;
    for (int r = r0; r < r1; r++) {
      const float* row = x + (size_t)r * cols;
      int c = 0;
      for (; c + 16 <= cols; c += 16) store16(block + c, load16(block + c) + load16(row + c));
      for (; c < cols; c++) block[c] += row[c];
    }
    for (int c = 0; c < cols; c++) out[c] += block[c];
  }
  free(block);
  return 0;
}
