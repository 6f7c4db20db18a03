// Stride-1 NHWC convolutions for the CPU, compiled natively (not to wasm) and called through
// Deno's FFI on the tensors where tfjs's wasm backend keeps them (its heap), by
// src/kernels/native.ts. wasm's 128-bit SIMD without fused multiply-add caps a core at about a
// quarter of what its native vector units do; these loops use them.
//
//   clvm_conv_forward:      y[n, y, x, o] = sum_{i, j, c} x[n, y + i - pt, x + j - pl, c] * w[i, j, c, o]
//                           (flip = 1: w is the filter of the convolution this one transposes,
//                           [fh, fw, o, c], read spatially reversed: Conv2DBackpropInput)
//   clvm_conv_filter_grad:  dw[i, j, c, o] = sum_{n, y, x} x[n, y + i - pt, x + j - pl, c] * dy[n, y, x, o]
//
// Terms whose input pixel lies outside the image are zero. Both are register-tiled products:
// a tile of rows by a panel of W output channels lives in vector registers while the summed
// dimension streams past (one broadcast per row and W/16 vector loads per step). W is 32 (two
// 16-float vectors) for wide layers and 16 or 8 for layers of at most 16 or 8 outputs, which
// would otherwise pad to 32 and waste most of every multiply. Written with the compilers'
// portable vector types, so the same source builds for AVX-512, AVX2 or NEON with
// -march=native. Work is split over `threads` POSIX threads by disjoint outputs, so the sums,
// and the results, do not depend on the thread count.
#include <stdlib.h>
#include <string.h>

#include "native_parallel.h"

// Rows of a forward tile; filter-gradient tiles are FG_ROWS input channels.
#define MAX_ROWS 16
#define FG_ROWS 8
#define MAX_TAPS 64

// Fully unrolled loops over a tile's rows and vectors keep its accumulators in registers.
#if defined(__clang__)
#define UNROLL _Pragma("clang loop unroll(full)")
#elif defined(__GNUC__)
#define UNROLL _Pragma("GCC unroll 32")
#else
#define UNROLL
#endif

typedef float v8 __attribute__((vector_size(32), aligned(4)));
typedef float v16 __attribute__((vector_size(64), aligned(4)));

static inline v16 load16(const float* p) { return *(const v16*)p; }
static inline void store16(float* p, v16 v) { *(v16*)p = v; }
static int imin(int a, int b) { return a < b ? a : b; }
static int imax(int a, int b) { return a > b ? a : b; }

typedef struct {
  int n, h, w, ci, oh, ow, co, fh, fw, pt, pl;
} Shape;

// The panel width for `co` outputs: the narrowest of 8, 16, 32 that holds them, else 32.
static int panel_width(int co) { return co <= 8 ? 8 : co <= 16 ? 16 : 32; }

// ---- forward (and, with a flipped filter, the input gradient) -------------------------------

// out[r][0..nvalid) for r < mvalid = sum over taps and c of rows[tap][r][c] * b[tap][c][0..W),
// with V a vector of VW floats, NV of them per row (W = VW·NV) and ROWS rows.
#define FORWARD_TILE(NAME, V, VW, NV, ROWS)                                                  \
  static void NAME(const float* const* rows, const float* b, int taps, int k, float* out,   \
                   int ldo, int mvalid, int nvalid) {                                        \
    enum { W = VW * NV };                                                                    \
    V acc[ROWS][NV];                                                                         \
    for (int r = 0; r < ROWS; r++)                                                           \
      for (int v = 0; v < NV; v++) acc[r][v] = (V){0};                                       \
    for (int t = 0; t < taps; t++) {                                                         \
      const float* const* rt = rows + t * ROWS;                                              \
      const float* bt = b + (size_t)t * k * W;                                               \
      for (int c = 0; c < k; c++) {                                                          \
        V bv[NV];                                                                            \
        UNROLL for (int v = 0; v < NV; v++) bv[v] = *(const V*)(bt + c * W + v * VW);        \
        UNROLL for (int r = 0; r < ROWS; r++) {                                              \
          const V a = (V){0} + rt[r][c];                                                     \
          UNROLL for (int v = 0; v < NV; v++) acc[r][v] += a * bv[v];                        \
        }                                                                                    \
      }                                                                                      \
    }                                                                                        \
    for (int r = 0; r < mvalid; r++) {                                                       \
      float* o = out + (size_t)r * ldo;                                                      \
      if (nvalid == W) {                                                                     \
        for (int v = 0; v < NV; v++) *(V*)(o + v * VW) = acc[r][v];                          \
      } else {                                                                               \
        float tmp[W];                                                                        \
        for (int v = 0; v < NV; v++) *(V*)(tmp + v * VW) = acc[r][v];                        \
        memcpy(o, tmp, sizeof(float) * nvalid);                                              \
      }                                                                                      \
    }                                                                                        \
  }

FORWARD_TILE(forward_tile32, v16, 16, 2, 8)
FORWARD_TILE(forward_tile16, v16, 16, 1, 16)
FORWARD_TILE(forward_tile8, v8, 8, 1, 16)

typedef void (*ForwardTile)(const float* const*, const float*, int, int, float*, int, int, int);

typedef struct {
  Shape s;
  const float* x;
  const float* packed;  // [panel][tap][c][width], zero past co
  float* y;
  const float* zeros;   // ci zeros: the "pixel" outside the image
  ForwardTile tile;
  int width, rows, panels, rows_per_chunk;  // rows: of a tile
} Forward;

static void forward_work(void* arg, int t, int threads) {
  const Forward* f = (const Forward*)arg;
  const Shape* s = &f->s;
  const int taps = s->fh * s->fw, total = s->n * s->oh, mr = f->rows;
  const int chunks = (total + f->rows_per_chunk - 1) / f->rows_per_chunk;
  const float* rows[MAX_ROWS * MAX_TAPS];
  // Items (panel, chunk) in panel-major order, a contiguous range per thread: each thread
  // streams only its panels' filters.
  const int items = chunks * f->panels;
  const int k0 = (int)((long)items * t / threads), k1 = (int)((long)items * (t + 1) / threads);
  for (int k = k0; k < k1; k++) {
    const int p = k / chunks, ch = k % chunks;
    const int r0 = ch * f->rows_per_chunk, r1 = imin(total, r0 + f->rows_per_chunk);
    const float* b = f->packed + (size_t)p * taps * s->ci * f->width;
    const int nvalid = imin(f->width, s->co - p * f->width);
    for (int r = r0; r < r1; r++) {
      const int img = r / s->oh, oy = r - img * s->oh;
      float* yrow = f->y + ((size_t)r * s->ow) * s->co + p * f->width;
      for (int m0 = 0; m0 < s->ow; m0 += mr) {
        const int mvalid = imin(mr, s->ow - m0);
        for (int i = 0; i < s->fh; i++) {
          const int iy = oy + i - s->pt;
          for (int j = 0; j < s->fw; j++) {
            const float** rt = rows + (i * s->fw + j) * mr;
            for (int q = 0; q < mr; q++) {
              const int ix = m0 + q + j - s->pl;
              rt[q] = (q < mvalid && iy >= 0 && iy < s->h && ix >= 0 && ix < s->w)
                          ? f->x + (((size_t)img * s->h + iy) * s->w + ix) * s->ci
                          : f->zeros;
            }
          }
        }
        f->tile(rows, b, taps, s->ci, yrow + (size_t)m0 * s->co, s->co, mvalid, nvalid);
      }
    }
  }
}

// Returns 0, or -1 when a buffer cannot be allocated or the filter has more than 64 taps.
EXPORT int clvm_conv_forward(const float* x, const float* w, float* y, int n, int h, int wd, int ci,
                             int oh, int ow, int co, int fh, int fw, int pt, int pl, int flip,
                             int threads) {
  const int taps = fh * fw;
  if (taps > MAX_TAPS) return -1;
  const int width = panel_width(co), panels = (co + width - 1) / width;
  float* packed = (float*)calloc((size_t)panels * taps * ci * width, sizeof(float));
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
          packed[(((size_t)(o / width) * taps + t) * ci + c) * width + o % width] = v;
        }
  Forward f = {{n, h, wd, ci, oh, ow, co, fh, fw, pt, pl}, x, packed, y, zeros,
               width == 32 ? forward_tile32 : width == 16 ? forward_tile16 : forward_tile8,
               width, width == 32 ? 8 : 16, panels, 0};
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
  const float* dy;   // rows of ld floats (co, or co padded to panels · width)
  float* dw;         // [tap][c][ld]
  int width, ld, panels, cblocks, rows_per_chunk;
} FilterGrad;

// One FG_ROWS-channel by W-output tile of dw for tap (i, j), summed over output rows [r0, r1)
// and then added to what the tile holds (accumulators that start at zero stay in registers);
// V a vector of VW floats, NV of them per row (W = VW·NV).
#define FILTER_TILE(NAME, V, VW, NV)                                                           \
  static void NAME(const FilterGrad* g, int i, int j, int cb, int p, int r0, int r1) {         \
    enum { W = VW * NV };                                                                      \
    const Shape* s = &g->s;                                                                    \
    float* out = g->dw + (((size_t)(i * s->fw + j)) * s->ci + cb) * g->ld + p * W;             \
    const int mvalid = imin(FG_ROWS, s->ci - cb);                                              \
    int off[FG_ROWS]; /* channels past ci reread the last one; their sums are dropped */       \
    for (int r = 0; r < FG_ROWS; r++) off[r] = imin(r, mvalid - 1);                            \
    V acc[FG_ROWS][NV];                                                                        \
    UNROLL for (int r = 0; r < FG_ROWS; r++)                                                   \
      UNROLL for (int v = 0; v < NV; v++) acc[r][v] = (V){0};                                  \
    const int x0 = imax(0, s->pl - j), x1 = imin(s->ow, s->w + s->pl - j);                     \
    for (int r = r0; r < r1; r++) {                                                            \
      const int img = r / s->oh, oy = r - img * s->oh, iy = oy + i - s->pt;                    \
      if (iy < 0 || iy >= s->h || x1 <= x0) continue;                                          \
      const float* d = g->dy + ((size_t)r * s->ow + x0) * g->ld + p * W;                       \
      const float* a = g->x + (((size_t)img * s->h + iy) * s->w + x0 + j - s->pl) * s->ci + cb; \
      for (int q = x0; q < x1; q++, d += g->ld, a += s->ci) {                                  \
        V dv[NV];                                                                              \
        UNROLL for (int v = 0; v < NV; v++) dv[v] = *(const V*)(d + v * VW);                   \
        UNROLL for (int r = 0; r < FG_ROWS; r++) {                                             \
          const V av = (V){0} + a[off[r]];                                                     \
          UNROLL for (int v = 0; v < NV; v++) acc[r][v] += av * dv[v];                         \
        }                                                                                      \
      }                                                                                        \
    }                                                                                          \
    for (int r = 0; r < mvalid; r++)                                                           \
      for (int v = 0; v < NV; v++) *(V*)(out + (size_t)r * g->ld + v * VW) += acc[r][v];       \
  }

FILTER_TILE(filter_tile32, v16, 16, 2)
FILTER_TILE(filter_tile16, v16, 16, 1)
FILTER_TILE(filter_tile8, v8, 8, 1)

static void filter_work(void* arg, int t, int threads) {
  const FilterGrad* g = (const FilterGrad*)arg;
  const Shape* s = &g->s;
  const int taps = s->fh * s->fw, total = s->n * s->oh;
  const int tiles = taps * g->cblocks * g->panels;
  void (*tile)(const FilterGrad*, int, int, int, int, int, int) =
      g->width == 32 ? filter_tile32 : g->width == 16 ? filter_tile16 : filter_tile8;
  // Each thread owns whole tiles (disjoint outputs) and sums them over every chunk in order.
  const int t0 = (int)((long)tiles * t / threads), t1 = (int)((long)tiles * (t + 1) / threads);
  for (int r0 = 0; r0 < total; r0 += g->rows_per_chunk) {
    const int r1 = imin(total, r0 + g->rows_per_chunk);
    for (int k = t0; k < t1; k++) {
      const int p = k % g->panels, rest = k / g->panels;
      const int cb = (rest % g->cblocks) * FG_ROWS, tap = rest / g->cblocks;
      tile(g, tap / s->fw, tap % s->fw, cb, p, r0, r1);
    }
  }
}

// Returns 0, or -1 when a buffer cannot be allocated.
EXPORT int clvm_conv_filter_grad(const float* x, const float* dy, float* dw, int n, int h, int wd,
                                 int ci, int oh, int ow, int co, int fh, int fw, int pt, int pl,
                                 int threads) {
  const int width = panel_width(co), panels = (co + width - 1) / width, ld = panels * width;
  const int taps = fh * fw;
  const size_t positions = (size_t)n * oh * ow;
  const int padded = ld != co;
  // Outputs not a multiple of the panel width: dy and dw go through copies padded with zeros.
  float* dyp = padded ? (float*)calloc(positions * ld, sizeof(float)) : 0;
  float* dwp = (float*)calloc((size_t)taps * ci * ld + 16, sizeof(float));
  if ((padded && !dyp) || !dwp) {
    free(dyp);
    free(dwp);
    return -1;
  }
  if (padded)
    for (size_t q = 0; q < positions; q++) memcpy(dyp + q * ld, dy + q * co, sizeof(float) * co);
  FilterGrad g = {{n, h, wd, ci, oh, ow, co, fh, fw, pt, pl}, x, padded ? dyp : dy, dwp, width, ld,
                  panels, (ci + FG_ROWS - 1) / FG_ROWS, imax(1, 512 / imax(1, ow))};
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
