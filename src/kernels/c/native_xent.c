// Softmax cross-entropy over the pixels of a segmentation map, value and gradient in one pass,
// compiled natively beside native_conv.c and called through Deno's FFI on tfjs's wasm heap by
// src/kernels/softmax_xent_cpu.ts, whose TypeScript loop (the cpu kernel) is its test oracle:
//
//   for each pixel p with label y ≠ ignore:  count += 1
//     and, when 0 ≤ y < classes:              sum += log Σ_k e^{l_k} − l_y,
//                                             grad[p, k] = softmax(l)_k − [k = y]
//   grad[p, ·] = 0 for every other pixel (as the one-hot composition in train/losses.ts).
//
// Values in float, the sum in double over blocks of BLOCK pixels added in block order, so
// that `threads` (which split the blocks) never change a result.
#include <math.h>
#include <stdlib.h>

#include "native_parallel.h"

#define BLOCK 512

typedef struct {
  const float* logits;
  const int* labels;
  float* grad;
  double* partial;  // [blocks][2]: the loss sum and the count of labelled pixels
  long pixels;
  int classes, ignore, blocks;
} Xent;

static void xent_work(void* arg, int t, int threads) {
  const Xent* x = (const Xent*)arg;
  const int c = x->classes;
  for (int bl = t; bl < x->blocks; bl += threads) {
    double sum = 0, count = 0;
    const long p1 = (long)(bl + 1) * BLOCK < x->pixels ? (long)(bl + 1) * BLOCK : x->pixels;
    for (long p = (long)bl * BLOCK; p < p1; p++) {
      const float* l = x->logits + (size_t)p * c;
      float* g = x->grad + (size_t)p * c;
      const int y = x->labels[p];
      if (y == x->ignore || y < 0 || y >= c) {
        for (int k = 0; k < c; k++) g[k] = 0;
        count += y != x->ignore;
        continue;
      }
      float m = l[0];
      for (int k = 1; k < c; k++) m = l[k] > m ? l[k] : m;
      float s = 0;
      for (int k = 0; k < c; k++) s += (g[k] = expf(l[k] - m));
      const float inv = 1.0f / s;
      for (int k = 0; k < c; k++) g[k] *= inv;
      g[y] -= 1.0f;
      sum += (double)(m + logf(s) - l[y]);
      count += 1;
    }
    x->partial[2 * bl] = sum;
    x->partial[2 * bl + 1] = count;
  }
}

// logits [pixels, classes], labels [pixels], grad [pixels, classes]; out[0] the loss sum, out[1]
// the count of pixels labelled other than `ignore`. Returns 0, or -1 when out of memory.
EXPORT int clvm_softmax_xent(const float* logits, const int* labels, float* grad, float* out,
                             int pixels, int classes, int ignore, int threads) {
  const int blocks = (int)((pixels + BLOCK - 1) / BLOCK);
  double* partial = calloc((size_t)(blocks > 0 ? blocks : 1) * 2, sizeof(double));
  if (!partial) return -1;
  Xent x = {logits, labels, grad, partial, pixels, classes, ignore, blocks};
  clvm_parallel(xent_work, &x, threads);
  double sum = 0, count = 0;
  for (int bl = 0; bl < blocks; bl++) {
    sum += partial[2 * bl];
    count += partial[2 * bl + 1];
  }
  free(partial);
  out[0] = (float)sum;
  out[1] = (float)count;
  return 0;
}
