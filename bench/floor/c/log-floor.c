// The floor of an append-only audit log, beside sqlite-floor: the same record as one canonical JSON line (the text the
// audit chain hashes, docs/audit.md) in a frame of its length and CRC-32, BATCH frames a commit written with one
// pwrite into a file preallocated and synced before the clock starts (so no commit changes the file's size or
// allocates a block, and fdatasync has no metadata to journal), then one fdatasync. What a log-first audit trail
// would pay at least per record; indexing the records into SQLite behind it is not counted here.
//
//   log-floor FILE BATCH RECORDS      prints: <records/s> <CPU µs per record> <user µs> <kernel µs>
//                                             <KB written per record> <commit p50 ms> <p99 ms> <max ms>
// FILE must not exist; exits 1 on the first failed system call.
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "measure.h"

static uint32_t crc_table[256];

static void crc_init(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        crc_table[i] = c;
    }
}

static uint32_t crc32(const unsigned char *p, size_t n) {
    uint32_t c = 0xFFFFFFFFu;
    while (n--) c = crc_table[(c ^ *p++) & 0xFF] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

static int fail(const char *what) {
    perror(what);
    return 1;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: log-floor FILE BATCH RECORDS\n");
        return 2;
    }
    int batch = atoi(argv[2]), records = atoi(argv[3]);
    if (batch < 1 || records < batch) {
        fprintf(stderr, "log-floor: BATCH must be at least 1 and RECORDS at least BATCH\n");
        return 2;
    }
    crc_init();
    int fd = open(argv[1], O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return fail("open");
    // Preallocated by writing zeros (fallocate alone leaves unwritten extents, whose first write is a metadata change),
    // a page at a time: Linux 6.x caches a file written in large chunks in large folios, and a later write of 500
    // bytes into a 1 MiB folio has fdatasync write back the whole MiB (measured here: 1 MiB per commit).
    size_t frame_max = 1024, size = (size_t)records * frame_max;
    char zeros[4096] = {0};
    for (size_t done = 0; done < size; done += sizeof zeros)
        if (write(fd, zeros, sizeof zeros) != sizeof zeros) return fail("preallocate");
    if (fsync(fd) != 0) return fail("fsync");
    const char *hash = "eada978f20b086f4ce40bbf390cb5db258636a92c2e1ba54647f440974598156";
    unsigned char *buffer = malloc(frame_max * batch);
    off_t offset = 0;
    struct floor_run run;
    floor_start(&run, records / batch);
    long seq = 1;
    for (int written = 0; written + batch <= records; written += batch) {
        double began = seconds_now();
        size_t used = 0;
        for (int i = 0; i < batch; i++, seq++) {
            unsigned char *frame = buffer + used;
            int length = snprintf((char *)frame + 8, frame_max - 8,
                "{\"client\":\"127.0.0.1\",\"contactId\":\"ocQHyuzHvysMo5N5VsXc\",\"durationMs\":9.056,"
                "\"keyId\":\"11wk7stlhj5t\",\"keyName\":\"bench\",\"locationId\":\"loc-bench\",\"method\":\"GET\","
                "\"outcome\":\"ok\",\"path\":\"/contacts/ocQHyuzHvysMo5N5VsXc\",\"prevHash\":\"%s\","
                "\"requestId\":\"r%019ld\",\"resourceId\":null,\"role\":\"editor\",\"route\":\"GET /contacts/{contactId}\","
                "\"seq\":%ld,\"status\":200,\"time\":\"2026-11-25T02:20:40.123Z\",\"upstreamAttempts\":1,"
                "\"upstreamStatus\":200,\"hash\":\"%s\"}\n", hash, seq, seq, hash);
            uint32_t crc = crc32(frame + 8, length);
            memcpy(frame, &length, 4);
            memcpy(frame + 4, &crc, 4);
            used += 8 + length;
        }
        if (pwrite(fd, buffer, used, offset) != (ssize_t)used) return fail("pwrite");
        if (fdatasync(fd) != 0) return fail("fdatasync");
        offset += used;
        floor_committed(&run, began);
    }
    floor_report(&run, seq - 1);
    close(fd);
    return 0;
}
