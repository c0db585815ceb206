/// Why settings could not be read: one line that names the setting and says what is wanted.
public struct SettingsError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) { self.description = description }

    static func malformed(_ setting: Setting, _ value: String, from source: String) -> SettingsError {
        // A secret is never echoed, nor a value of several lines (a PEM key): the refusal stays one line.
        let shown = setting.isSecret || value.contains(where: \.isNewline) ? "the value" : "\"\(value)\""
        return SettingsError("\(setting.key): \(shown) is not \(setting.expects) (from \(source))")
    }
}
