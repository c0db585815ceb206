import CurlHTTP
import GatewaySQLite

/// What `contacts-gateway --version` prints: the gateway's version and the C libraries it runs on, which decide
/// much of its behaviour (TLS, HTTP/2, SQLite's WAL) and are the first thing a bug report needs.
enum GatewayVersion {
    /// The gateway's own version; raised with each release.
    static let number = "0.9.0"

    static var text: String {
        "contacts-gateway \(number)\nlibcurl: \(CurlHTTPClient.libcurlVersion)\nSQLite: \(SQLiteStore.libraryVersion)"
    }
}
