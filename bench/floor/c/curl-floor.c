// libcurl's own floor as an HTTP client: URL fetched with N transfers in flight on one multi handle and one
// thread, each easy handle re-added as soon as it completes (keep-alive connections from the multi's pool), the
// body dropped. No other thread, no hand-off, no per-request setup: what any gateway built on libcurl pays at least.
//
//   curl-floor URL IN_FLIGHT SECONDS     prints: <req/s> <CPU µs per request> <user µs> <kernel µs>
// after one second of warm-up; exits 1 on the first transfer that fails or answers other than 200.
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>

#include "measure.h"

static size_t drop(char *data, size_t size, size_t count, void *user) {
    (void)data; (void)user;
    return size * count;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: curl-floor URL IN_FLIGHT SECONDS\n");
        return 2;
    }
    const char *url = argv[1];
    int in_flight = atoi(argv[2]);
    double duration = atof(argv[3]);
    if (in_flight < 1 || duration <= 0) {
        fprintf(stderr, "curl-floor: IN_FLIGHT must be at least 1 and SECONDS above 0\n");
        return 2;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURLM *multi = curl_multi_init();
    // The headers the gateway sends upstream, so that libcurl builds a request of the same size.
    struct curl_slist *headers = curl_slist_append(NULL, "Authorization: Bearer pit-bench-token");
    headers = curl_slist_append(headers, "Version: 2021-07-28");
    headers = curl_slist_append(headers, "Accept: application/json");
    for (int i = 0; i < in_flight; i++) {
        CURL *easy = curl_easy_init();
        curl_easy_setopt(easy, CURLOPT_URL, url);
        curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, drop);
        curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
        curl_multi_add_handle(multi, easy);
    }
    long completed = 0, at_start = -1;
    double began = seconds_now(), start = 0;
    struct rusage before, after;
    for (;;) {
        int running;
        curl_multi_perform(multi, &running);
        CURLMsg *message;
        int queued;
        while ((message = curl_multi_info_read(multi, &queued))) {
            if (message->msg != CURLMSG_DONE) continue;
            long status = 0;
            curl_easy_getinfo(message->easy_handle, CURLINFO_RESPONSE_CODE, &status);
            if (message->data.result != CURLE_OK || status != 200) {
                fprintf(stderr, "curl-floor: %s, status %ld\n", curl_easy_strerror(message->data.result), status);
                return 1;
            }
            completed++;
            curl_multi_remove_handle(multi, message->easy_handle);
            curl_multi_add_handle(multi, message->easy_handle);
        }
        double now = seconds_now();
        if (at_start < 0 && now - began >= 1) {
            at_start = completed;
            start = now;
            getrusage(RUSAGE_SELF, &before);
        }
        if (at_start >= 0 && now - start >= duration) break;
        curl_multi_poll(multi, NULL, 0, 1000, NULL);
    }
    getrusage(RUSAGE_SELF, &after);
    double elapsed = seconds_now() - start;
    long requests = completed - at_start;
    double user = cpu_seconds(before.ru_utime, after.ru_utime), kernel = cpu_seconds(before.ru_stime, after.ru_stime);
    printf("%.0f %.1f %.1f %.1f\n", requests / elapsed, (user + kernel) / requests * 1e6, user / requests * 1e6,
           kernel / requests * 1e6);
    return 0;
}
