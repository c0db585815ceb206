// What both floor programs measure with: wall-clock seconds and the CPU seconds between two getrusage readings.
#ifndef FLOOR_MEASURE_H
#define FLOOR_MEASURE_H
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
#endif
