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

    /// `statement` inserts the columns of ``SQLiteStore/auditColumns`` (``AuditRecord/fields``) in their order.
    init(_ statement: Statement) {
        self.statement = statement
    }

    func execute(_ r: AuditRecord, in db: Database) throws {
        let s = statement.sqliteStatement
        // Whatever happens, the statement is left reset and holding no copies of this record's strings.
        sqlite3_reset(s)
        defer {
            sqlite3_reset(s)
            sqlite3_clear_bindings(s)
        }
        var bind = Binder(statement: s)
        for field in AuditRecord.fields {
            switch field.value(of: r) {
            case .text(let text): bind.text(text)
            case .integer(let number): bind.integer(number)
            }
        }
        let code = bind.code == SQLITE_OK ? sqlite3_step(s) : bind.code
        guard code == SQLITE_DONE else {
            throw DatabaseError(
                resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)),
                sql: statement.sql)
        }
    }

    /// Binds parameters 1, 2, 3… in turn; after the first failure it binds nothing more and keeps that code.
    private struct Binder {
        let statement: SQLiteStatement
        private var index: Int32 = 0
        private(set) var code = SQLITE_OK

        init(statement: SQLiteStatement) {
            self.statement = statement
        }

        mutating func integer(_ value: Int64?) {
            guard code == SQLITE_OK else { return }
            index += 1
            code = value.map { sqlite3_bind_int64(statement, index, $0) } ?? sqlite3_bind_null(statement, index)
        }

        /// SQLite copies the bytes (`SQLITE_TRANSIENT`); `nil` is NULL, and an empty string stays an empty string.
        mutating func text(_ value: String?) {
            guard code == SQLITE_OK else { return }
            index += 1
            guard var value else {
                code = sqlite3_bind_null(statement, index)
                return
            }
            let (statement, index) = (self.statement, self.index)
            code = value.withUTF8 { utf8 in
                // An empty buffer may have no address, and SQLite binds a NULL pointer as NULL.
                guard let base = utf8.baseAddress, utf8.count > 0 else {
                    return sqlite3_bind_text(statement, index, "", 0, AuditInsert.transient)
                }
                return base.withMemoryRebound(to: CChar.self, capacity: utf8.count) {
                    sqlite3_bind_text(statement, index, $0, Int32(utf8.count), AuditInsert.transient)
                }
            }
        }
    }

    fileprivate static let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)
}
