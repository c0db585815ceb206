import Foundation
/// The store a gateway (and every command) works on: an SQLite file, or a PostgreSQL database shared by several
/// gateways.
public enum DatabaseLocation: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    /// The whole `postgres://user:password@host:port/db` URL.
    case postgres(url: String)

    public init?(_ text: String) {
        if text.hasPrefix("sqlite:") {
            var path = String(text.dropFirst("sqlite:".count))
            if path.hasPrefix("//") { path = String(path.dropFirst(2)) }
            guard !path.isEmpty else { return nil }
            self = .sqlite(path: path)
        } else if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
            self = .postgres(url: text)
        } else {
            return nil
        }
    }

    public var description: String {
        switch self {
        case .sqlite(let path): "sqlite:\(path)"
        case .postgres(let url): url
        }
    }

    /// For messages and logs: a PostgreSQL URL without its password.
    public var redacted: String {
        guard case .postgres(let url) = self, let at = url.lastIndex(of: "@"),
            let scheme = url.range(of: "://"), let colon = url[scheme.upperBound..<at].firstIndex(of: ":")
        else { return description }
        return String(url[..<colon]) + ":…" + String(url[at...])
    }
}
