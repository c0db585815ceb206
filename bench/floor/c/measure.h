// What the floor programs measure with: wall-clock seconds, the CPU seconds between two getrusage readings, the bytes
// this process has caused to be written to storage, and the distribution of commit times.
#ifndef FLOOR_MEASURE_H
#define FLOOR_MEASURE_H
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

static inline double seconds_now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static inline double cpu_seconds(struct timeval a, struct timeval b) {
    return (b.tv_sec - a.tv_sec) + (b.tv_usec - a.tv_usec) / 1e6;
}

// /proc/self/io's write_bytes: what reached (or will reach) the disk on this process's account, page cache included.
static inline long long written_bytes(void) {
    FILE *f = fopen("/proc/self/io", "r");
    long long value = -1;
    char line[128];
    if (!f) return -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "write_bytes: %lld", &value) == 1) break;
    fclose(f);
    return value;
}

static int compare_doubles(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

// One timed run of commits, as the audit floor programs report it.
struct floor_run {
    struct rusage before;
    long long written_before;
    double start, *commits;
    int committed;
};

static inline void floor_start(struct floor_run *run, int commits) {
    run->commits = malloc(sizeof(double) * commits);
    run->committed = 0;
    run->written_before = written_bytes();
    getrusage(RUSAGE_SELF, &run->before);
    run->start = seconds_now();
}

static inline void floor_committed(struct floor_run *run, double began) {
    run->commits[run->committed++] = seconds_now() - began;
}

// Prints "<records/s> <CPU µs per record> <user µs> <kernel µs> <KB written per record> <commit p50 ms> <p99 ms>
// <max ms>".
static inline void floor_report(struct floor_run *run, long records) {
    double elapsed = seconds_now() - run->start;
    struct rusage after;
    getrusage(RUSAGE_SELF, &after);
    double user = cpu_seconds(run->before.ru_utime, after.ru_utime);
    double kernel = cpu_seconds(run->before.ru_stime, after.ru_stime);
    double *c = run->commits;
    int n = run->committed;
    qsort(c, n, sizeof *c, compare_doubles);
    printf("%.0f %.1f %.1f %.1f %.2f %.3f %.3f %.3f\n", records / elapsed, (user + kernel) / records * 1e6,
           user / records * 1e6, kernel / records * 1e6, (written_bytes() - run->written_before) / 1024.0 / records,
           c[n / 2] * 1e3, c[n * 99 / 100] * 1e3, c[n - 1] * 1e3);
}
#endif
