// SQLite's own floor for the audit trail's commit: the gateway's audit_records table and its three indexes
// (Sources/GatewaySQLite/SQLiteStore.swift), WAL, synchronous=FULL (one fdatasync a commit, as the gateway sets
// it), one prepared INSERT with a record like the benchmark's, BATCH records a transaction. No hashing, no
// encoding, no hand-off between threads: what a `commit` audit trail in SQLite pays at least per record when
// BATCH requests share a commit.
//
//   sqlite-floor FILE BATCH RECORDS [SYNCHRONOUS]
//                                        SYNCHRONOUS: FULL (the default, the gateway's), NORMAL or OFF; prints: <records/s> <CPU µs per record> <user µs> <kernel µs>
//                                                <KB written per record> <commit p50 ms> <p99 ms> <max ms>
// FILE must not exist (creating the table fails otherwise); exits 1 on the first SQLite error.
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>

#include "measure.h"

static const char *schema =
    "PRAGMA journal_mode=WAL;"
    "CREATE TABLE audit_records (seq INTEGER PRIMARY KEY NOT NULL, time_ms INTEGER NOT NULL,"
    " request_id TEXT NOT NULL, key_id TEXT, key_name TEXT, role TEXT, method TEXT NOT NULL, route TEXT NOT NULL,"
    " path TEXT NOT NULL, location_id TEXT, contact_id TEXT, resource_id TEXT, status INTEGER NOT NULL,"
    " outcome TEXT NOT NULL, upstream_status INTEGER, upstream_attempts INTEGER NOT NULL,"
    " duration_us INTEGER NOT NULL, client TEXT, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);"
    "CREATE INDEX audit_records_time ON audit_records(time_ms);"
    "CREATE INDEX audit_records_key ON audit_records(key_id);"
    "CREATE INDEX audit_records_location ON audit_records(location_id);";

static int fail(sqlite3 *db) {
    fprintf(stderr, "sqlite-floor: %s\n", sqlite3_errmsg(db));
    return 1;
}

int main(int argc, char **argv) {
    if (argc != 4 && argc != 5) {
        fprintf(stderr, "usage: sqlite-floor FILE BATCH RECORDS [FULL|NORMAL|OFF]\n");
        return 2;
    }
    int batch = atoi(argv[2]), records = atoi(argv[3]);
    if (batch < 1 || records < batch) {
        fprintf(stderr, "sqlite-floor: BATCH must be at least 1 and RECORDS at least BATCH\n");
        return 2;
    }
    sqlite3 *db;
    if (sqlite3_open(argv[1], &db) != SQLITE_OK) return fail(db);
    if (sqlite3_exec(db, schema, NULL, NULL, NULL) != SQLITE_OK) return fail(db);
    char pragma[64];
    snprintf(pragma, sizeof pragma, "PRAGMA synchronous=%s", argc == 5 ? argv[4] : "FULL");
    if (sqlite3_exec(db, pragma, NULL, NULL, NULL) != SQLITE_OK) return fail(db);
    sqlite3_stmt *insert;
    if (sqlite3_prepare_v2(db, "INSERT INTO audit_records VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", -1,
                           &insert, NULL) != SQLITE_OK) return fail(db);
    const char *hash = "eada978f20b086f4ce40bbf390cb5db258636a92c2e1ba54647f440974598156";
    char request_id[32];
    struct floor_run run;
    floor_start(&run, records / batch);
    long seq = 1;
    for (int written = 0; written + batch <= records; written += batch) {
        double began = seconds_now();
        if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) return fail(db);
        for (int i = 0; i < batch; i++, seq++) {
            snprintf(request_id, sizeof request_id, "r%019ld", seq);
            sqlite3_bind_int64(insert, 1, seq);
            sqlite3_bind_int64(insert, 2, 1795602587168 + seq / 10);
            sqlite3_bind_text(insert, 3, request_id, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(insert, 4, "11wk7stlhj5t", -1, SQLITE_STATIC);
            sqlite3_bind_text(insert, 5, "bench", -1, SQLITE_STATIC);
            sqlite3_bind_text(insert, 6, "editor", -1, SQLITE_STATIC);
            sqlite3_bind_text(insert, 7, "GET", -1, SQLITE_STATIC);
            sqlite3_bind_text(insert, 8, "GET /contacts/{contactId}", -1, SQLITE_STATIC);
            sqlite3_bind_text(insert, 9, "/contacts/ocQHyuzHvysMo5N5VsXc", -1, SQLITE_STATIC);
            sqlite3_bind_text(insert, 10, "loc-bench", -1, SQLITE_STATIC);
            sqlite3_bind_text(insert, 11, "ocQHyuzHvysMo5N5VsXc", -1, SQLITE_STATIC);
            sqlite3_bind_null(insert, 12);
            sqlite3_bind_int(insert, 13, 200);
            sqlite3_bind_text(insert, 14, "ok", -1, SQLITE_STATIC);
            sqlite3_bind_int(insert, 15, 200);
            sqlite3_bind_int(insert, 16, 1);
            sqlite3_bind_int(insert, 17, 9056);
            sqlite3_bind_text(insert, 18, "127.0.0.1", -1, SQLITE_STATIC);
            sqlite3_bind_text(insert, 19, hash, -1, SQLITE_STATIC);
            sqlite3_bind_text(insert, 20, hash, -1, SQLITE_STATIC);
            if (sqlite3_step(insert) != SQLITE_DONE) return fail(db);
            sqlite3_reset(insert);
        }
        if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) return fail(db);
        floor_committed(&run, began);
    }
    floor_report(&run, seq - 1);
    sqlite3_close(db);
    return 0;
}
