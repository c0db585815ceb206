import Foundation
import GatewayCore

/// An `application/x-www-form-urlencoded` body (or query string) as the browser sent it: every value of each name,
/// in order, so repeated checkboxes (`scopes=a&scopes=b`) survive.
struct FormFields: Sendable, Equatable {
    private(set) var values: [String: [String]] = [:]

    init(_ encoded: String) {
        for pair in encoded.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = Self.decode(parts[0]), !name.isEmpty else { continue }
            let value = parts.count > 1 ? Self.decode(parts[1]) ?? "" : ""
            values[name, default: []].append(value)
        }
    }

    /// The first value, trimmed; `nil` when absent or blank.
    subscript(_ name: String) -> String? {
        guard let value = values[name]?.first?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty
        else { return nil }
        return value
    }

    /// The first value as sent (not trimmed), for secrets.
    func raw(_ name: String) -> String? { values[name]?.first }

    func all(_ name: String) -> [String] { values[name] ?? [] }

    /// `+` is a space in forms; the rest is percent-encoding.
    private static func decode(_ text: Substring) -> String? { PercentEncoding.decode(text, plusAsSpace: true) }
}
