import Foundation
import GatewayCore

/// One setting, described once: its key (`upstream.limit`), from which its environment variable
/// (`GATEWAY_UPSTREAM_LIMIT`), its flag (`--upstream-limit`) and its name in a settings file follow; what it does;
/// and how its text becomes the typed value in ``GatewaySettings``.
public struct Setting: Sendable {
    /// Dotted, lower case: the settings file's name for it.
    public let key: String
    public let summary: String
    /// What a value must look like.
    public let expects: String
    /// Whether `serve` takes it as a flag (`GATEWAY_SECRET_KEY` is kept out of `ps`).
    public let hasFlag: Bool
    /// Kept out of logs and `--help` defaults.
    public let isSecret: Bool
    /// The default as a value of the setting; `nil` when there is none, or it is derived from others.
    public let defaultValue: String?
    /// The default as the documentation states it (a value, or how it is derived); `nil` when there is none.
    public let documentedDefault: String?
    private let apply: @Sendable (inout GatewaySettings, String) -> Bool

    public var environmentName: String { "GATEWAY_" + key.uppercased().replacingOccurrences(of: ".", with: "_") }
    public var flagName: String { "--" + key.replacingOccurrences(of: ".", with: "-") }

    init<Value>(
        _ key: String, _ path: any WritableKeyPath<GatewaySettings, Value> & Sendable, _ kind: SettingKind<Value>,
        _ summary: String, default documented: String? = nil, flag: Bool = true, secret: Bool = false
    ) {
        self.key = key
        self.summary = summary
        self.expects = kind.expects
        self.hasFlag = flag
        self.isSecret = secret
        self.defaultValue = documented == nil ? kind.render(GatewaySettings()[keyPath: path]) : nil
        self.documentedDefault = documented ?? defaultValue
        self.apply = { settings, text in
            guard let value = kind.parse(text) else { return false }
            settings[keyPath: path] = value
            return true
        }
    }

    /// Sets the value from `text`; `false` when the text is not what the setting wants.
    func assign(_ text: String, to settings: inout GatewaySettings) -> Bool { apply(&settings, text) }
}
