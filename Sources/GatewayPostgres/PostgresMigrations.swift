import Logging
import PostgresNIO

/// The schema, as named steps applied in order and recorded in `gateway_migrations`. Append-only: a released step is
/// never edited; a change is a new step at the end.
///
/// Every opener (each `serve` and each command) runs ``apply(on:logger:)``: one transaction that first takes a
/// transaction-scoped advisory lock, so processes that start at once apply each step exactly once, the others waiting
/// and then finding it done. PostgreSQL's DDL is transactional: a step that fails leaves nothing half made.
enum PostgresMigrations {
    /// The advisory lock's key: fixed, so every version of the gateway contends on the same one.
    static let lockKey: Int64 = 0x4347_5750_4d49_4752  // "CGWPMIGR"

    struct Step {
        let name: String
        let sql: [String]
    }

    static let steps: [Step] = [
        Step(
            name: "v1: keys, roles, connections, authorization states, audit trail, console sessions, seal",
            sql: [
                """
                CREATE TABLE gateway_seal (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    fingerprint TEXT NOT NULL,
                    sealed_at DOUBLE PRECISION NOT NULL
                )
                """,
                """
                CREATE TABLE connections (
                    location_id TEXT PRIMARY KEY,
                    kind TEXT NOT NULL,
                    access_token BYTEA NOT NULL,
                    refresh_token BYTEA,
                    issued_at DOUBLE PRECISION,
                    expires_at DOUBLE PRECISION,
                    scope TEXT,
                    company_id TEXT,
                    user_id TEXT,
                    status TEXT NOT NULL,
                    status_detail TEXT,
                    generation BIGINT NOT NULL,
                    created_at DOUBLE PRECISION NOT NULL,
                    updated_at DOUBLE PRECISION NOT NULL
                )
                """,
                """
                CREATE TABLE authorization_states (
                    state TEXT PRIMARY KEY,
                    location_id TEXT,
                    created_at DOUBLE PRECISION NOT NULL,
                    expires_at DOUBLE PRECISION NOT NULL,
                    used_at DOUBLE PRECISION
                )
                """,
                """
                CREATE TABLE api_keys (
                    id TEXT PRIMARY KEY,
                    name TEXT NOT NULL,
                    role TEXT NOT NULL,
                    secret_hash BYTEA NOT NULL,
                    locations TEXT,
                    rate TEXT,
                    burst BIGINT,
                    expires_at DOUBLE PRECISION,
                    created_at DOUBLE PRECISION NOT NULL,
                    last_used_at DOUBLE PRECISION,
                    revoked_at DOUBLE PRECISION,
                    previous_secret_hash BYTEA,
                    previous_expires_at DOUBLE PRECISION
                )
                """,
                "CREATE INDEX api_keys_role ON api_keys(role)",
                """
                CREATE TABLE roles (
                    name TEXT PRIMARY KEY,
                    scopes TEXT NOT NULL,
                    created_at DOUBLE PRECISION NOT NULL
                )
                """,
                // Times in epoch ms, durations in µs: integers read back exactly as they were hashed.
                """
                CREATE TABLE audit_records (
                    seq BIGINT PRIMARY KEY,
                    time_ms BIGINT NOT NULL,
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
                    status BIGINT NOT NULL,
                    outcome TEXT NOT NULL,
                    upstream_status BIGINT,
                    upstream_attempts BIGINT NOT NULL,
                    duration_us BIGINT NOT NULL,
                    client TEXT,
                    count BIGINT,
                    prev_hash TEXT NOT NULL,
                    hash TEXT NOT NULL
                )
                """,
                "CREATE INDEX audit_records_time ON audit_records(time_ms)",
                "CREATE INDEX audit_records_key ON audit_records(key_id)",
                "CREATE INDEX audit_records_location ON audit_records(location_id)",
                // One row at most: where verification starts after a prune.
                """
                CREATE TABLE audit_checkpoint (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    seq BIGINT NOT NULL,
                    hash TEXT NOT NULL,
                    pruned_before_ms BIGINT NOT NULL,
                    pruned_at_ms BIGINT NOT NULL
                )
                """,
                """
                CREATE TABLE audit_signed_checkpoints (
                    id BIGSERIAL PRIMARY KEY,
                    seq BIGINT NOT NULL,
                    note TEXT NOT NULL
                )
                """,
                "CREATE INDEX audit_signed_checkpoints_seq ON audit_signed_checkpoints(seq)",
                // Only the token's SHA-256 (ConsoleSession): the cookie itself is never stored.
                """
                CREATE TABLE console_sessions (
                    token_hash TEXT PRIMARY KEY,
                    key_id TEXT NOT NULL,
                    created_at DOUBLE PRECISION NOT NULL,
                    expires_at DOUBLE PRECISION NOT NULL
                )
                """,
                "CREATE INDEX console_sessions_expires_at ON console_sessions(expires_at)",
            ]),
        Step(
            name: "v2: refresh journal",
            sql: [
                // One row per try at spending a refresh token, committed before the token endpoint is called.
                """
                CREATE TABLE refresh_attempts (
                    id TEXT PRIMARY KEY,
                    location_id TEXT NOT NULL,
                    generation BIGINT NOT NULL,
                    token_hash TEXT NOT NULL,
                    node TEXT NOT NULL,
                    started_at DOUBLE PRECISION NOT NULL,
                    lease_until DOUBLE PRECISION NOT NULL,
                    outcome TEXT,
                    finished_at DOUBLE PRECISION
                )
                """,
                "CREATE INDEX refresh_attempts_location ON refresh_attempts(location_id, started_at)",
            ]),
        Step(name: "v3: the node of each audit record", sql: ["ALTER TABLE audit_records ADD COLUMN node TEXT"]),
        Step(
            name: "v4: webhooks",
            sql: [
                // Subscriptions (secrets sealed as tokens are), events taken once by id, and the delivery outbox, whose
                // rows several gateways claim with FOR UPDATE SKIP LOCKED and a lease.
                """
                CREATE TABLE webhook_subscriptions (
                    id TEXT PRIMARY KEY,
                    url TEXT NOT NULL,
                    events TEXT[] NOT NULL,
                    locations TEXT[] NOT NULL,
                    enrich BOOLEAN NOT NULL,
                    secret BYTEA NOT NULL,
                    created_at DOUBLE PRECISION NOT NULL,
                    disabled_at DOUBLE PRECISION,
                    disabled_reason TEXT
                )
                """,
                """
                CREATE TABLE webhook_events (
                    id TEXT PRIMARY KEY,
                    type TEXT NOT NULL,
                    location_id TEXT,
                    contact_id TEXT,
                    source TEXT NOT NULL,
                    received_at DOUBLE PRECISION NOT NULL,
                    contact_updated_at DOUBLE PRECISION,
                    body BYTEA NOT NULL
                )
                """,
                "CREATE INDEX webhook_events_contact ON webhook_events(location_id, contact_id)",
                """
                CREATE TABLE webhook_deliveries (
                    id TEXT PRIMARY KEY,
                    subscription_id TEXT NOT NULL,
                    event_id TEXT NOT NULL REFERENCES webhook_events(id),
                    type TEXT NOT NULL,
                    location_id TEXT,
                    created_at DOUBLE PRECISION NOT NULL,
                    status TEXT NOT NULL,
                    attempts BIGINT NOT NULL,
                    next_attempt_at DOUBLE PRECISION,
                    last_status BIGINT,
                    last_error TEXT,
                    lease_until DOUBLE PRECISION
                )
                """,
                "CREATE INDEX webhook_deliveries_due ON webhook_deliveries(status, next_attempt_at)",
                "CREATE INDEX webhook_deliveries_subscription ON webhook_deliveries(subscription_id, created_at)",
                "CREATE TABLE reconciliation_cursors (location_id TEXT PRIMARY KEY, cursor DOUBLE PRECISION NOT NULL)",
            ]),
        Step(
            name: "v5: changes to keys, roles and connections notified to every gateway",
            sql: [
                // Triggers, not the store's own code: a change made by any process (a command, an older gateway, an
                // operator's SQL) reaches every listener, when its transaction commits. Last-used times are not a
                // change anyone must hear of: the keys' trigger fires only on the columns that authenticate.
                """
                CREATE FUNCTION gateway_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
                DECLARE
                    subject TEXT;
                BEGIN
                    IF TG_TABLE_NAME = 'api_keys' THEN
                        subject := 'key:' || CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END;
                    ELSIF TG_TABLE_NAME = 'roles' THEN
                        subject := 'role:' || CASE WHEN TG_OP = 'DELETE' THEN OLD.name ELSE NEW.name END;
                    ELSE
                        subject := 'connection:'
                            || CASE WHEN TG_OP = 'DELETE' THEN OLD.location_id ELSE NEW.location_id END;
                    END IF;
                    PERFORM pg_notify('\(PostgresChangeFeed.channel)', subject);
                    RETURN NULL;
                END
                $$
                """,
                """
                CREATE TRIGGER api_keys_notify AFTER INSERT OR DELETE OR UPDATE OF name, role, secret_hash, locations,
                    rate, burst, expires_at, revoked_at, previous_secret_hash, previous_expires_at
                ON api_keys FOR EACH ROW EXECUTE FUNCTION gateway_notify_change()
                """,
                """
                CREATE TRIGGER roles_notify AFTER INSERT OR UPDATE OR DELETE ON roles
                FOR EACH ROW EXECUTE FUNCTION gateway_notify_change()
                """,
                """
                CREATE TRIGGER connections_notify AFTER INSERT OR UPDATE OR DELETE ON connections
                FOR EACH ROW EXECUTE FUNCTION gateway_notify_change()
                """,
            ]),
        Step(
            name: "v6: one GCRA state per key for every gateway",
            sql: [
                // The theoretical arrival time of each key's next request, in Unix seconds. A state is a cache of
                // recent traffic, not a record: losing it lets a key burst once, nothing more.
                "CREATE TABLE key_rate_states (key_id TEXT PRIMARY KEY, tat DOUBLE PRECISION NOT NULL)",
                // The GCRA step taken up to `wanted` times at once, under the row's lock, in one round trip: what
                // GCRA.attempt does for one request (a TAT behind now starts from now; one stepped too far ahead, by a
                // clock set back, is held to one window), for every gateway alike.
                """
                CREATE FUNCTION gateway_take_allowance(
                    p_key TEXT, p_wanted INTEGER, p_now DOUBLE PRECISION, p_interval DOUBLE PRECISION,
                    p_window DOUBLE PRECISION, OUT o_granted INTEGER, OUT o_tat DOUBLE PRECISION)
                LANGUAGE plpgsql AS $$
                DECLARE
                    v_current DOUBLE PRECISION;
                BEGIN
                    INSERT INTO key_rate_states (key_id, tat) VALUES (p_key, p_now) ON CONFLICT (key_id) DO NOTHING;
                    SELECT tat INTO v_current FROM key_rate_states WHERE key_id = p_key FOR UPDATE;
                    v_current := LEAST(GREATEST(v_current, p_now), p_now + p_window);
                    o_granted := LEAST(p_wanted, GREATEST(0, FLOOR((p_now + p_window - v_current) / p_interval + 1e-5)))::INTEGER;
                    o_tat := v_current + o_granted * p_interval;
                    UPDATE key_rate_states SET tat = o_tat WHERE key_id = p_key;
                END
                $$
                """,
            ]),
        Step(
            name: "v7: every gateway's calls to HighLevel per location, for one shared window",
            sql: [
                // `until`: when a call stops counting, in Unix seconds: a window after it ended, or, while it is in
                // flight, a hold past any timeout (a gateway that dies mid-call leaves it no longer than that).
                """
                CREATE TABLE upstream_calls (
                    id BIGSERIAL PRIMARY KEY, location_id TEXT NOT NULL, until DOUBLE PRECISION NOT NULL)
                """,
                "CREATE INDEX upstream_calls_location ON upstream_calls (location_id, until)",
                // Under a lock per location for the statement's transaction: count the calls that still count, and
                // take a place when there is one (counted as in flight for `p_hold` and a window, until the gateway says
                // when it ended). Answers its id, or the seconds until the soonest place frees up.
                """
                CREATE FUNCTION gateway_take_upstream_slot(
                    p_location TEXT, p_limit INTEGER, p_window DOUBLE PRECISION, p_hold DOUBLE PRECISION,
                    p_now DOUBLE PRECISION, OUT o_id BIGINT, OUT o_wait DOUBLE PRECISION)
                LANGUAGE plpgsql AS $$
                DECLARE
                    v_count INTEGER;
                    v_soonest DOUBLE PRECISION;
                BEGIN
                    PERFORM pg_advisory_xact_lock(hashtext('upstream:' || p_location));
                    DELETE FROM upstream_calls WHERE location_id = p_location AND until <= p_now;
                    -- The soonest to free up among calls that ended (a call in flight holds its place past any
                    -- window); with every place in flight, look again shortly, as this gateway's own window does.
                    SELECT count(*), min(until) FILTER (WHERE until <= p_now + p_window) INTO v_count, v_soonest
                    FROM upstream_calls WHERE location_id = p_location;
                    IF v_count >= p_limit THEN
                        o_wait := COALESCE(GREATEST(v_soonest - p_now, 0.001), 0.02);
                    ELSE
                        INSERT INTO upstream_calls (location_id, until) VALUES (p_location, p_now + p_hold)
                        RETURNING id INTO o_id;
                        o_wait := 0;
                    END IF;
                END
                $$
                """,
            ]),
    ]

    /// What the migration found about the seal.
    enum Seal: Equatable {
        case matches
        case sealedNow
        case mismatch(stored: String)
    }

    /// Applies the steps not yet applied and checks (or, on a new database, writes) the secret's fingerprint, all
    /// under the advisory lock in one transaction. Returns the names applied now.
    static func apply(on connection: PostgresConnection, fingerprint: String, now: Double, logger: Logger) async throws
        -> (applied: [String], seal: Seal)
    {
        try await connection.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(lockKey))", logger: logger)
            try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS gateway_migrations (
                    name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())
                """, logger: logger)
            var done = Set<String>()
            for try await name in try await connection.query("SELECT name FROM gateway_migrations", logger: logger)
                .decode(String.self)
            {
                done.insert(name)
            }
            var applied: [String] = []
            for step in steps where !done.contains(step.name) {
                for statement in step.sql {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query("INSERT INTO gateway_migrations (name) VALUES (\(step.name))", logger: logger)
                applied.append(step.name)
            }
            var stored: String?
            for try await value in try await connection.query(
                "SELECT fingerprint FROM gateway_seal WHERE id = 1", logger: logger
            ).decode(String.self) {
                stored = value
            }
            let seal: Seal
            switch stored {
            case nil:
                try await connection.query(
                    "INSERT INTO gateway_seal (id, fingerprint, sealed_at) VALUES (1, \(fingerprint), \(now))",
                    logger: logger)
                seal = .sealedNow
            case fingerprint?:
                seal = .matches
            case let other?:
                seal = .mismatch(stored: other)
            }
            return (applied, seal)
        }
    }
}
