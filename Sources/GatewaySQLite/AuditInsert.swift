import GRDB
import GRDBSQLite
import GatewayCore

/// The audit writer's INSERT of one record, bound and stepped with SQLite's own calls.
///
/// Why not `Statement.execute(arguments:)`: GRDB's `StatementArguments` initializers are generic and are not
/// specialized across modules; building one per record was 9% of the writer's CPU (about 6 µs a record, measured with
/// `contacts-gateway audit bench`). What is skipped with them is GRDB's bookkeeping around a statement's execution
/// (transaction observers, which nothing registers for this table); the transaction itself is still GRDB's.
struct AuditInsert {
    private let statement: Statement

    /// `statement` inserts the columns of ``SQLiteStore/auditColumns`` in their order.
    init(_ statement: Statement) {
        self.statement = statement
    }

    func execute(_ r: AuditRecord, in db: Database) throws {
        let s = statement.sqliteStatement
        // Whatever happens, the statement is left reset and holding no copies of this record's strings.
        defer {
            sqlite3_reset(s)
            sqlite3_clear_bindings(s)
        }
        var index: Int32 = 0
        func next() -> Int32 {
            index += 1
            return index
        }
        var code = sqlite3_reset(s)
        for value in [r.seq, r.timeMs] where code == SQLITE_OK { code = sqlite3_bind_int64(s, next(), value) }
        for text in [r.requestId, r.keyId, r.keyName, r.role, r.method, r.route, r.path, r.locationId, r.contactId,
                     r.resourceId] where code == SQLITE_OK {
            code = Self.bind(text, to: s, at: next())
        }
        if code == SQLITE_OK { code = sqlite3_bind_int64(s, next(), Int64(r.status)) }
        if code == SQLITE_OK { code = Self.bind(r.outcome, to: s, at: next()) }
        if code == SQLITE_OK {
            code = r.upstreamStatus.map { sqlite3_bind_int64(s, next(), Int64($0)) } ?? sqlite3_bind_null(s, next())
        }
        if code == SQLITE_OK { code = sqlite3_bind_int64(s, next(), Int64(r.upstreamAttempts)) }
        if code == SQLITE_OK { code = sqlite3_bind_int64(s, next(), r.durationMicros) }
        for text in [r.client, r.prevHash, r.hash] where code == SQLITE_OK { code = Self.bind(text, to: s, at: next()) }
        if code == SQLITE_OK { code = sqlite3_step(s) }
        guard code == SQLITE_DONE else {
            throw DatabaseError(
                resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)),
                sql: statement.sql)
        }
    }

    /// SQLite copies the bytes (`SQLITE_TRANSIENT`); `nil` is NULL, and an empty string stays an empty string.
    private static func bind(_ text: String?, to s: SQLiteStatement, at index: Int32) -> Int32 {
        guard var text else { return sqlite3_bind_null(s, index) }
        return text.withUTF8 { utf8 in
            // An empty buffer may have no address, and SQLite would bind a NULL pointer as NULL.
            guard let base = utf8.baseAddress, utf8.count > 0 else { return sqlite3_bind_text(s, index, "", 0, transient) }
            return base.withMemoryRebound(to: CChar.self, capacity: utf8.count) {
                sqlite3_bind_text(s, index, $0, Int32(utf8.count), transient)
            }
        }
    }

    private static let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)
}
