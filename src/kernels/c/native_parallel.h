// What the native kernels (native_*.c, built into one library by src/kernels/native_build.ts)
// share: the export attribute and a fork-join over POSIX threads.
#ifndef CLVM_NATIVE_PARALLEL_H
#define CLVM_NATIVE_PARALLEL_H

#define EXPORT __attribute__((visibility("default")))

// At most this many threads; more are clamped.
#define CLVM_MAX_THREADS 64

// One thread's share: t in [0, threads).
typedef void (*Work)(void* arg, int t, int threads);

// Runs work(arg, t, threads) for every t on `threads` threads (the caller's among them) and
// waits for all. A thread that cannot start has its share run by the caller, so results never
// depend on how many started.
void clvm_parallel(Work work, void* arg, int threads);

#endif
