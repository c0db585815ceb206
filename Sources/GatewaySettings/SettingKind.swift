import Foundation
import GatewayCore
import Logging

/// How one setting's text becomes its typed value and back: the parser, the renderer (for documenting defaults),
/// and the phrase that says what is wanted, for the one line that refuses a bad value.
public struct SettingKind<Value: Sendable>: Sendable {
    /// e.g. "a rate like 100/10s, or off".
    public let expects: String
    public let parse: @Sendable (String) -> Value?
    /// `nil` for a value that is not set (no default).
    public let render: @Sendable (Value) -> String?

    public init(
        expects: String, parse: @escaping @Sendable (String) -> Value?, render: @escaping @Sendable (Value) -> String?
    ) {
        self.expects = expects
        self.parse = parse
        self.render = render
    }
}

extension SettingKind where Value == String {
    static let text = SettingKind(
        expects: "a non-empty text", parse: { $0.isEmpty ? nil : $0 }, render: { $0 })
}

extension SettingKind where Value == Duration {
    static let duration = SettingKind(
        expects: "a duration like 30s, 15m or 12h",
        parse: { DurationText.duration($0).flatMap { $0 > .zero ? $0 : nil } }, render: { DurationText.text($0) })
}

extension SettingKind where Value == Duration {
    /// A duration no shorter than `minimum`.
    static func duration(atLeast minimum: Duration) -> SettingKind {
        SettingKind(
            expects: "a duration like 30s, 15m or 12h, at least \(DurationText.text(minimum))",
            parse: { DurationText.duration($0).flatMap { $0 >= minimum ? $0 : nil } }, render: { DurationText.text($0) })
    }
}

extension SettingKind where Value == String {
    /// A node's name, as signed checkpoints carry it.
    static let node = SettingKind(
        expects: "1 to 253 letters, digits, '.', '-' or '_'", parse: { AuditCheckpoint.isValidNode($0) ? $0 : nil },
        render: { $0 })
}

extension SettingKind where Value == [String] {
    /// Location ids, comma-separated: each letters, digits, `-` and `_`, none twice.
    static let locations = SettingKind(
        expects: "comma-separated location ids like loc-sandbox,loc-east",
        parse: { text in
            let ids = text.split(separator: ",", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            guard !ids.isEmpty, ids.allSatisfy(PathIdentifier.isValid), Set(ids).count == ids.count else { return nil }
            return ids
        },
        render: { $0.joined(separator: ",") })
}

extension SettingKind where Value == Rate {
    static let rate = SettingKind(
        expects: "a rate like 100/10s", parse: { Rate($0) }, render: { $0.description })
}

extension SettingKind where Value == Int {
    static func integer(atLeast minimum: Int) -> SettingKind {
        SettingKind(
            expects: "a whole number, at least \(minimum)", parse: { Int($0).flatMap { $0 >= minimum ? $0 : nil } },
            render: { String($0) })
    }

    /// Bytes: `1048576`, `512KiB`, `1MiB`.
    static let size = SettingKind(
        expects: "a size in bytes like 1048576, 512KiB or 1MiB",
        parse: { text in
            for (suffix, factor) in [("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("", 1)]
            where text.hasSuffix(suffix) {
                guard let number = Int(text.dropLast(suffix.count)), number > 0,
                    number <= Int.max / factor
                else { return nil }
                return number * factor
            }
            return nil
        },
        render: { String($0) })
}

extension SettingKind where Value == Bool {
    static let flag = SettingKind(
        expects: "true or false",
        parse: { ["true": true, "yes": true, "1": true, "false": false, "no": false, "0": false][$0.lowercased()] },
        render: { $0 ? "true" : "false" })
}

extension SettingKind where Value == URL {
    /// An absolute `http` or `https` URL with a host.
    static let httpURL = SettingKind(
        expects: "an http or https URL like https://example.com",
        parse: { text in
            guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
                url.host?.isEmpty == false
            else { return nil }
            return url
        },
        render: { $0.absoluteString })
}

extension SettingKind where Value == ListenAddress {
    static let listen = SettingKind(
        expects: "HOST:PORT like 127.0.0.1:8080", parse: { ListenAddress($0) }, render: { $0.description })
}

extension SettingKind where Value == DatabaseLocation {
    static let database = SettingKind(
        expects: "sqlite:PATH or postgres://user:password@host:port/db", parse: { DatabaseLocation($0) },
        render: { $0.description })
}

extension SettingKind where Value == GatewaySecret {
    static let secret = SettingKind(
        expects: "32 bytes in base64 or hex (openssl rand -base64 32)",
        parse: { try? GatewaySecret(encoded: $0) }, render: { _ in nil })
}

extension SettingKind where Value == String {
    /// HighLevel's Ed25519 public key for `X-GHL-Signature`, kept as given and checked by parsing it.
    static let webhookKey = SettingKind(
        expects: "an Ed25519 public key: PEM, or base64 or hex of its 32 bytes",
        parse: { (try? HighLevelWebhookKeys(ed25519: $0)) == nil ? nil : $0 }, render: { $0 })

    /// HighLevel's legacy RSA public key for `X-WH-Signature`.
    static let webhookRSAKey = SettingKind(
        expects: "an RSA public key of at least 2048 bits in PEM (-----BEGIN PUBLIC KEY-----)",
        parse: { text in
            HighLevelWebhookKeys.isRSAKey(text) ? text : nil
        }, render: { $0 })
}

extension SettingKind where Value == DeliverySchedule {
    static let deliverySchedule = SettingKind(
        expects: "comma-separated waits like 5s,30s,2m", parse: { DeliverySchedule(text: $0) },
        render: { $0.description })
}

extension SettingKind where Value == Logger.Level {
    static let logLevel = SettingKind(
        expects: "one of " + Logger.Level.allCases.map(\.rawValue).joined(separator: ", "),
        parse: { Logger.Level(rawValue: $0.lowercased()) }, render: { $0.rawValue })
}

extension SettingKind {
    /// One of an enumeration's raw values.
    static func choice<Choice: RawRepresentable & CaseIterable & Sendable>(_ type: Choice.Type) -> SettingKind<Choice>
    where Choice.RawValue == String {
        let names = Choice.allCases.map(\.rawValue)
        let list = names.count == 2 ? names.joined(separator: " or ") : "one of " + names.joined(separator: ", ")
        return SettingKind<Choice>(expects: list, parse: { Choice(rawValue: $0) }, render: { $0.rawValue })
    }

    /// A value that may be left unset; unset has no rendering (no default).
    static func optional<Wrapped>(_ base: SettingKind<Wrapped>) -> SettingKind<Wrapped?> {
        SettingKind<Wrapped?>(
            expects: base.expects, parse: { base.parse($0).map { .some($0) } }, render: { $0.flatMap(base.render) })
    }

    /// A value, or `off` for none.
    static func orOff<Wrapped>(_ base: SettingKind<Wrapped>) -> SettingKind<Wrapped?> {
        SettingKind<Wrapped?>(
            expects: base.expects + ", or off",
            parse: { $0 == "off" ? .some(nil) : base.parse($0).map { .some($0) } },
            render: { $0.map { base.render($0) } ?? "off" })
    }
}
