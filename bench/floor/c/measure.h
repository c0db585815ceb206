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

// Sorts `samples` and prints " <p50> <p99> <max>" in milliseconds.
static inline void print_percentiles(double *samples, int count) {
    qsort(samples, count, sizeof *samples, compare_doubles);
    printf(" %.3f %.3f %.3f", samples[count / 2] * 1e3, samples[count * 99 / 100] * 1e3, samples[count - 1] * 1e3);
}
#endif
