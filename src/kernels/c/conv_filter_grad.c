// The filter gradient of a stride-1 NHWC convolution, summed over the whole batch in one call:
//   dw[i, j, c, o] = sum over n, y, x of  x[n, y + i - pt, x + j - pl, c] * dy[n, y, x, o]
// (terms whose input pixel lies outside the image are zero). Built for wasm32 with SIMD128 by
// scripts/build_wasm_kernels.ts; it imports its memory, so that it can run on the memory of tfjs's
// wasm backend and read and write tensors where tfjs keeps them: no copies, no im2col, no
// transposes.
//
// Blocking: a few output rows of the batch at a time (their dy rows and the input rows the taps
// reach stay in cache); within a block, for every tap, a 4-channel x 8-output tile of dw lives
// in 8 vector registers while the block's positions stream past (4 broadcasts and 2 vector
// loads per position for 32 multiply-adds; V8 has 16 vector registers on x86, and a 4 x 16
// tile spilled). The code uses no linear-memory stack and no static data.
//
// Used by src/kernels/wasm_conv.ts on unshared memory (one thread); see the measurements there.
#include <wasm_simd128.h>

#define EXPORT __attribute__((visibility("default")))

typedef struct {
  int n, h, w, ci, oh, ow, co, fh, fw, pt, pl;
} Shape;

static int imax(int a, int b) { return a > b ? a : b; }
static int imin(int a, int b) { return a < b ? a : b; }

// Columns x of an output row whose input column x + j - pl lies inside [0, w).
static int col0(const Shape* s, int j) { return imax(0, s->pl - j); }
static int col1(const Shape* s, int j) { return imin(s->ow, s->w + s->pl - j); }

// One tile of KC input channels (c..c+KC) by 4*VO outputs (o..o+4*VO) for tap (i, j) over output
// rows [r0, r1) of the batch (counted across images).
#define TILE(KC, VO)                                                                         \
  static void tile_##KC##_##VO(const float* x, const float* dy, float* dw, const Shape* s,    \
                               int r0, int r1, int i, int j, int c, int o) {                 \
    float* out = dw + ((i * s->fw + j) * s->ci + c) * s->co + o;                            \
    v128_t acc[KC][VO];                                                                      \
    for (int k = 0; k < KC; k++)                                                             \
      for (int v = 0; v < VO; v++) acc[k][v] = wasm_v128_load(out + k * s->co + 4 * v);      \
    const int x0 = col0(s, j), x1 = col1(s, j);                                              \
    for (int r = r0; r < r1; r++) {                                                          \
      const int img = r / s->oh, y = r - img * s->oh;                                        \
      const int yy = y + i - s->pt;                                                          \
      if (yy < 0 || yy >= s->h) continue;                                                    \
      const float* d = dy + ((img * s->oh + y) * s->ow + x0) * s->co + o;                    \
      const float* a = x + ((img * s->h + yy) * s->w + x0 + j - s->pl) * s->ci + c;          \
      for (int q = x0; q < x1; q++, d += s->co, a += s->ci) {                                \
        v128_t dv[VO];                                                                       \
        for (int v = 0; v < VO; v++) dv[v] = wasm_v128_load(d + 4 * v);                      \
        for (int k = 0; k < KC; k++) {                                                       \
          const v128_t b = wasm_v128_load32_splat(a + k);                                    \
          for (int v = 0; v < VO; v++)                                                       \
            acc[k][v] = wasm_f32x4_add(acc[k][v], wasm_f32x4_mul(b, dv[v]));                 \
        }                                                                                    \
      }                                                                                      \
    }                                                                                        \
    for (int k = 0; k < KC; k++)                                                             \
      for (int v = 0; v < VO; v++) wasm_v128_store(out + k * s->co + 4 * v, acc[k][v]);      \
  }

TILE(4, 2)
TILE(1, 2)
TILE(4, 1)
TILE(1, 1)

// Outputs o..co-1 (fewer than 4) of channel c, one by one.
static void tail(const float* x, const float* dy, float* dw, const Shape* s, int r0, int r1,
                 int i, int j, int c, int o) {
  const int x0 = col0(s, j), x1 = col1(s, j);
  for (; o < s->co; o++) {
    float* out = dw + ((i * s->fw + j) * s->ci + c) * s->co + o;
    float acc = *out;
    for (int r = r0; r < r1; r++) {
      const int img = r / s->oh, y = r - img * s->oh;
      const int yy = y + i - s->pt;
      if (yy < 0 || yy >= s->h) continue;
      const float* d = dy + ((img * s->oh + y) * s->ow + x0) * s->co + o;
      const float* a = x + ((img * s->h + yy) * s->w + x0 + j - s->pl) * s->ci + c;
      for (int q = x0; q < x1; q++, d += s->co, a += s->ci) acc += *a * *d;
    }
    *out = acc;
  }
}

static void block(const float* x, const float* dy, float* dw, const Shape* s, int r0, int r1) {
  for (int i = 0; i < s->fh; i++) {
    for (int j = 0; j < s->fw; j++) {
      if (col1(s, j) <= col0(s, j)) continue;
      int c = 0;
      for (; c + 4 <= s->ci; c += 4) {
        int o = 0;
        for (; o + 8 <= s->co; o += 8) tile_4_2(x, dy, dw, s, r0, r1, i, j, c, o);
        for (; o + 4 <= s->co; o += 4) tile_4_1(x, dy, dw, s, r0, r1, i, j, c, o);
        for (int k = 0; k < 4; k++) tail(x, dy, dw, s, r0, r1, i, j, c + k, o);
      }
      for (; c < s->ci; c++) {
        int o = 0;
        for (; o + 8 <= s->co; o += 8) tile_1_2(x, dy, dw, s, r0, r1, i, j, c, o);
        for (; o + 4 <= s->co; o += 4) tile_1_1(x, dy, dw, s, r0, r1, i, j, c, o);
        tail(x, dy, dw, s, r0, r1, i, j, c, o);
      }
    }
  }
}

// Byte offsets into the memory; dw ([fh, fw, ci, co]) is overwritten, and part (as large) is
// scratch. `rows` output rows of the batch (counted across images, n * oh in all) make one chunk
// (at least 1): its sum, accumulated in part over sub-blocks of `sub` rows that stay in cache,
// is added to dw in the order the GEMM route of src/kernels/wasm_conv.ts sums its chunks, so
// that both give the same floats for the same chunking.
EXPORT void conv_filter_grad(int xp, int dyp, int dwp, int partp, int n, int h, int w, int ci,
                             int oh, int ow, int co, int fh, int fw, int pt, int pl, int rows,
                             int sub) {
  const Shape s = {n, h, w, ci, oh, ow, co, fh, fw, pt, pl};
  const float* x = (const float*)xp;
  const float* dy = (const float*)dyp;
  float* dw = (float*)dwp;
  float* part = (float*)partp;
  const int total = fh * fw * ci * co;
  for (int k = 0; k < total; k++) dw[k] = 0.0f;
  if (rows < 1) rows = 1;
  if (sub < 1) sub = 1;
  for (int r0 = 0; r0 < n * oh; r0 += rows) {
    const int r1 = imin(n * oh, r0 + rows);
    for (int k = 0; k < total; k++) part[k] = 0.0f;
    for (int b = r0; b < r1; b += sub) block(x, dy, part, &s, b, imin(r1, b + sub));
    for (int k = 0; k < total; k++) dw[k] += part[k];
  }
}
