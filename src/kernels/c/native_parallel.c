// The fork-join of native_parallel.h.
#include "native_parallel.h"

#include <pthread.h>

typedef struct {
  Work work;
  void* arg;
  int t, threads;
} Job;

static void* run_job(void* p) {
  Job* j = (Job*)p;
  j->work(j->arg, j->t, j->threads);
  return 0;
}

void clvm_parallel(Work work, void* arg, int threads) {
  if (threads < 1) threads = 1;
  if (threads > CLVM_MAX_THREADS) threads = CLVM_MAX_THREADS;
  pthread_t ids[CLVM_MAX_THREADS];
  Job jobs[CLVM_MAX_THREADS];
  int started = 1;
  for (int t = 1; t < threads; t++) {
    jobs[t] = (Job){work, arg, t, threads};
    if (pthread_create(&ids[t], 0, run_job, &jobs[t]) != 0) break;
    started++;
  }
  for (int t = started; t < threads; t++) work(arg, t, threads);
  work(arg, 0, threads);
  for (int t = 1; t < started; t++) pthread_join(ids[t], 0);
}
