// Batch norm in training mode over the m positions (rows of c channels) of an NHWC tensor,
// forward and backward, compiled natively beside native_conv.c and called through Deno's FFI
// on tfjs's wasm heap by src/kernels/batch_norm_cpu.ts. The same two passes as that file's
// TypeScript loops (its cpu kernels, and these loops' test oracle): sums in double, values in
// float.
//
//   train: x̂ = (x − μ)·s, s = 1/√(σ² + ε), y = γ·x̂ + β (μ, σ² the biased batch statistics)
//   grad:  ∂β = Σ dy, ∂γ = Σ dy·x̂, dx = γ·s·(dy − ∂β/m − x̂·∂γ/m)
//
// The sums run over blocks of BLOCK rows, each block's partial sums kept apart and added in
// block order afterwards, so that `threads` (which split the blocks) never change a result.
#include <math.h>
#include <stdlib.h>

#include "native_parallel.h"

#define BLOCK 512

typedef struct {
  const float *x, *dy;     // dy null: the forward pass's sums
  const double* center;    // per channel: the shift (forward) or the mean (backward)
  double* partial;         // [blocks][2][c]
  float* out;              // the elementwise pass's output
  const double *a, *b, *k; // per channel: out = a·dy + b·x + k, or a·x + k (no dy)
  long m;
  int c, blocks;
} Pass;

// Block sums: forward Σ(x − shift), Σ(x − shift)²; backward Σdy, Σdy·(x − mean).
static void sums_work(void* arg, int t, int threads) {
  const Pass* p = (const Pass*)arg;
  const int c = p->c;
  for (int bl = t; bl < p->blocks; bl += threads) {
    double* s1 = p->partial + (size_t)bl * 2 * c;
    double* s2 = s1 + c;
    for (int ch = 0; ch < c; ch++) s1[ch] = s2[ch] = 0;
    const long r1 = (long)(bl + 1) * BLOCK < p->m ? (long)(bl + 1) * BLOCK : p->m;
    for (long r = (long)bl * BLOCK; r < r1; r++) {
      const float* xr = p->x + (size_t)r * c;
      if (p->dy) {
        const float* gr = p->dy + (size_t)r * c;
        for (int ch = 0; ch < c; ch++) {
          const double g = gr[ch];
          s1[ch] += g;
          s2[ch] += g * ((double)xr[ch] - p->center[ch]);
        }
      } else {
        for (int ch = 0; ch < c; ch++) {
          const double d = (double)xr[ch] - p->center[ch];
          s1[ch] += d;
          s2[ch] += d * d;
        }
      }
    }
  }
}

static void apply_work(void* arg, int t, int threads) {
  const Pass* p = (const Pass*)arg;
  const int c = p->c;
  for (int bl = t; bl < p->blocks; bl += threads) {
    const long r1 = (long)(bl + 1) * BLOCK < p->m ? (long)(bl + 1) * BLOCK : p->m;
    for (long r = (long)bl * BLOCK; r < r1; r++) {
      const float* xr = p->x + (size_t)r * c;
      float* o = p->out + (size_t)r * c;
      if (p->dy) {
        const float* gr = p->dy + (size_t)r * c;
        for (int ch = 0; ch < c; ch++)
          o[ch] = (float)(p->a[ch] * gr[ch] + p->b[ch] * xr[ch] + p->k[ch]);
      } else {
        for (int ch = 0; ch < c; ch++) o[ch] = (float)(p->a[ch] * xr[ch] + p->k[ch]);
      }
    }
  }
}

// The block sums added in block order into s1[c], s2[c] (2·c doubles at `total`).
static int block_sums(Pass* p, double* total, int threads) {
  p->blocks = (int)((p->m + BLOCK - 1) / BLOCK);
  p->partial = (double*)malloc(sizeof(double) * 2 * (size_t)p->c * (p->blocks > 0 ? p->blocks : 1));
  if (!p->partial) return -1;
  clvm_parallel(sums_work, p, threads);
  for (int i = 0; i < 2 * p->c; i++) total[i] = 0;
  for (int bl = 0; bl < p->blocks; bl++)
    for (int i = 0; i < 2 * p->c; i++) total[i] += p->partial[(size_t)bl * 2 * p->c + i];
  free(p->partial);
  p->partial = 0;
  return 0;
}

// y, and the batch mean and biased variance per channel. Returns 0, or -1 when a buffer cannot
// be allocated.
EXPORT int clvm_batch_norm_train(const float* x, const float* gamma, const float* beta, float* y,
                                 float* mean, float* variance, int m, int c, float epsilon,
                                 int threads) {
  if (m < 1 || c < 1) return 0;
  double* w = (double*)malloc(sizeof(double) * 5 * (size_t)c);
  if (!w) return -1;
  double *shift = w, *sums = w + c, *a = w + 3 * c, *k = w + 4 * c;
  // Shifted by each channel's first value, Σx² − (Σx)²/m stays exact enough in double.
  for (int ch = 0; ch < c; ch++) shift[ch] = x[ch];
  Pass p = {x, 0, shift, 0, y, a, 0, k, m, c, 0};
  if (block_sums(&p, sums, threads) != 0) {
    free(w);
    return -1;
  }
  for (int ch = 0; ch < c; ch++) {
    const double d = sums[ch] / m, mu = shift[ch] + d;
    double v = sums[c + ch] / m - d * d;
    if (v < 0) v = 0;
    mean[ch] = (float)mu;
    variance[ch] = (float)v;
    a[ch] = gamma[ch] / sqrt(v + epsilon);
    k[ch] = beta[ch] - mu * a[ch];
  }
  clvm_parallel(apply_work, &p, threads);
  free(w);
  return 0;
}

// dx, ∂γ and ∂β from the forward pass's input x and its batch mean and variance. Returns 0, or
// -1 when a buffer cannot be allocated.
EXPORT int clvm_batch_norm_grad(const float* dy, const float* x, const float* gamma,
                                const float* mean, const float* variance, float* dx,
                                float* dgamma, float* dbeta, int m, int c, float epsilon,
                                int threads) {
  if (m < 1 || c < 1) return 0;
  double* w = (double*)malloc(sizeof(double) * 6 * (size_t)c);
  if (!w) return -1;
  double *center = w, *sums = w + c, *a = w + 3 * c, *b = w + 4 * c, *k = w + 5 * c;
  for (int ch = 0; ch < c; ch++) center[ch] = mean[ch];
  Pass p = {x, dy, center, 0, dx, a, b, k, m, c, 0};
  if (block_sums(&p, sums, threads) != 0) {
    free(w);
    return -1;
  }
  for (int ch = 0; ch < c; ch++) {
    const double s = 1 / sqrt((double)variance[ch] + epsilon), dg = sums[c + ch] * s;
    dgamma[ch] = (float)dg;
    dbeta[ch] = (float)sums[ch];
    a[ch] = gamma[ch] * s;
    b[ch] = -a[ch] * dg * s / m;
    k[ch] = -a[ch] * sums[ch] / m - b[ch] * mean[ch];
  }
  clvm_parallel(apply_work, &p, threads);
  free(w);
  return 0;
}
