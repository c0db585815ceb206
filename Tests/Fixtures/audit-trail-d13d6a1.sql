-- An audit trail written by ContactsGateway at d13d6a1, before the record's fields were described once: that
-- version's whole schema (migrations v1 to v3), its migration rows, and the ten records it wrote (sqlite3 .dump).
-- Loaded by AuditFixtureTests: the trail must still verify, and the later migrations apply on top.
CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY);
CREATE TABLE connections (
    location_id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    access_token BLOB NOT NULL,
    refresh_token BLOB,
    issued_at REAL,
    expires_at REAL,
    scope TEXT,
    company_id TEXT,
    user_id TEXT,
    status TEXT NOT NULL,
    status_detail TEXT,
    generation INTEGER NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE TABLE authorization_states (
    state TEXT PRIMARY KEY NOT NULL,
    created_at REAL NOT NULL,
    expires_at REAL NOT NULL,
    used_at REAL
);
CREATE TABLE api_keys (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    secret_hash BLOB NOT NULL,
    locations TEXT,
    rate TEXT,
    burst INTEGER,
    expires_at REAL,
    created_at REAL NOT NULL,
    last_used_at REAL,
    revoked_at REAL
, previous_secret_hash BLOB, previous_expires_at REAL);
CREATE TABLE roles (
    name TEXT PRIMARY KEY NOT NULL,
    scopes TEXT NOT NULL,
    created_at REAL NOT NULL
);
CREATE TABLE audit_records (
    seq INTEGER PRIMARY KEY NOT NULL,
    time_ms INTEGER NOT NULL,
    request_id TEXT NOT NULL,
    key_id TEXT,
    key_name TEXT,
    role TEXT,
    method TEXT NOT NULL,
    route TEXT NOT NULL,
    path TEXT NOT NULL,
    location_id TEXT,
    contact_id TEXT,
    resource_id TEXT,
    status INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    upstream_status INTEGER,
    upstream_attempts INTEGER NOT NULL,
    duration_us INTEGER NOT NULL,
    client TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_records_time ON audit_records(time_ms);
CREATE INDEX audit_records_key ON audit_records(key_id);
CREATE INDEX audit_records_location ON audit_records(location_id);
CREATE TABLE audit_checkpoint (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL,
    pruned_before_ms INTEGER NOT NULL,
    pruned_at_ms INTEGER NOT NULL
);
INSERT INTO grdb_migrations VALUES('v1: connections, authorization states, keys, roles');
INSERT INTO grdb_migrations VALUES('v2: key rotation grace');
INSERT INTO grdb_migrations VALUES('v3: audit trail');
INSERT INTO audit_records VALUES(1,1796168012330,'qa8Vjq2UabMOXECZCOjH','yrm7232j81ip','sandbox-admin','admin','GET','GET /contacts/','/contacts/','loc-sandbox',NULL,NULL,200,'ok',200,1,5332,'127.0.0.1','0000000000000000000000000000000000000000000000000000000000000000','c07262a57c7514905ee6900b7997bc732b436a19ab0aab2357d29f22c9cc76a9');
INSERT INTO audit_records VALUES(2,1796168012357,'fixture-1','yrm7232j81ip','sandbox-admin','admin','POST','POST /contacts/search','/contacts/search','loc-sandbox',NULL,NULL,200,'ok',200,1,2441,'127.0.0.1','c07262a57c7514905ee6900b7997bc732b436a19ab0aab2357d29f22c9cc76a9','1d6bf4ea3059197b3e61aca614af590cf18d0c54da2188182a2672c013841f7c');
INSERT INTO audit_records VALUES(3,1796168012372,'qa8Vjq2UakM0LFuVHADt',NULL,NULL,NULL,'GET','GET /contacts/{contactId}','/contacts/abc',NULL,NULL,NULL,401,'unauthenticated',NULL,0,473,'127.0.0.1','1d6bf4ea3059197b3e61aca614af590cf18d0c54da2188182a2672c013841f7c','c9f6f788c5a74386792a97cbfa0d58eb651877a65b6badf48b7273399873dc34');
INSERT INTO audit_records VALUES(4,1796168012387,'qa8Vjq2UafXCEVJDg2nY',NULL,NULL,NULL,'GET','GET /contacts/{contactId}/tasks/{taskId}','/contacts/abc/tasks/t1',NULL,NULL,NULL,401,'unauthenticated',NULL,0,263,'127.0.0.1','c9f6f788c5a74386792a97cbfa0d58eb651877a65b6badf48b7273399873dc34','2f0a27f5bb88bd8cbc45f97c7ea022a271bcb33fd2cda8dc69bb76509e9dd880');
INSERT INTO audit_records VALUES(5,1796168012400,'qa8Vjq2UatUFSlEo73Uk','yrm7232j81ip','sandbox-admin','admin','GET','GET /contacts/{contactId}/notes/{id}','/contacts/nope/notes/n%22x',NULL,NULL,NULL,400,'error',NULL,0,444,'127.0.0.1','2f0a27f5bb88bd8cbc45f97c7ea022a271bcb33fd2cda8dc69bb76509e9dd880','d0b4e5304594e9a7fdff433e71b8dd65a9add75e6472c5eb3e7c4a7e6f05faf1');
INSERT INTO audit_records VALUES(6,1796168012420,'qa8Vjq2UasNJRgIoQfjS','yrm7232j81ip','sandbox-admin','admin','GET','GET /admin/v1/keys','/admin/v1/keys',NULL,NULL,NULL,200,'ok',NULL,0,1613,'127.0.0.1','d0b4e5304594e9a7fdff433e71b8dd65a9add75e6472c5eb3e7c4a7e6f05faf1','8c4404b5dccc3757b1e14344ee839e5830fab252e81e4d95f95f58c6557c984b');
INSERT INTO audit_records VALUES(7,1796168012437,'qa8Vjq2UajodN07K8pff','yrm7232j81ip','sandbox-admin','admin','POST','POST /admin/v1/keys','/admin/v1/keys',NULL,NULL,NULL,201,'ok',NULL,0,2787,'127.0.0.1','8c4404b5dccc3757b1e14344ee839e5830fab252e81e4d95f95f58c6557c984b','3ace3e8c0c4dfc570a94ac0d7d1b1d4604f12ba81c8e6db181a0f84526f48c2f');
INSERT INTO audit_records VALUES(8,1796168012454,'qa8Vjq2Uac3gNRi1K5nr',NULL,NULL,NULL,'GET','GET /healthz','/healthz',NULL,NULL,NULL,200,'ok',NULL,0,171,'127.0.0.1','3ace3e8c0c4dfc570a94ac0d7d1b1d4604f12ba81c8e6db181a0f84526f48c2f','971c87aba56c7c0f75cecc3702cdd67f14c91131131609991082795403adcb69');
INSERT INTO audit_records VALUES(9,1796168012471,'qa8Vjq2UarFLsRrQDOcH',NULL,NULL,NULL,'GET','GET /oauth/callback','/oauth/callback',NULL,NULL,NULL,400,'error',NULL,0,1410,'127.0.0.1','971c87aba56c7c0f75cecc3702cdd67f14c91131131609991082795403adcb69','222cffd64659730271fdf4d4a7c825f2723bb1efb484e7253aeec1133a627035');
INSERT INTO audit_records VALUES(10,1796168012491,'qa8Vjq2UapKyemf7CHmu','yrm7232j81ip','sandbox-admin','admin','GET','GET /contacts/','/contacts/','elsewhere',NULL,NULL,503,'error',NULL,0,2413,'127.0.0.1','222cffd64659730271fdf4d4a7c825f2723bb1efb484e7253aeec1133a627035','02d1b1c0f51779c52918a615ccfc9c1bf7826c23423c06401cb4e81fcc9a76f4');
