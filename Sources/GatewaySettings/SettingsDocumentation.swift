import Foundation

/// The settings as people read them, made from ``GatewaySettings/definitions``: the README's table, the example
/// environment file, the example settings file and `serve --help`. A test holds the committed files to these.
public enum SettingsDocumentation {
    public static let readmeBegin = "<!-- settings: made from GatewaySettings.definitions; `swift run gateway-dev docs` -->"
    public static let readmeEnd = "<!-- /settings -->"

    /// The README's table, between its markers.
    public static var readmeTable: String {
        var lines = [readmeBegin, "", "| environment | flag of `serve` | file | default | what it does |", "| --- | --- | --- | --- | --- |"]
        for setting in GatewaySettings.definitions {
            let flag = setting.hasFlag ? "`\(setting.flagName)`" : "—"
            let file = setting.key == "config" ? "—" : "`\(setting.key)`"
            let value = setting.defaultValue.map { "`\($0)`" } ?? setting.documentedDefault ?? "none"
            lines.append("| `\(setting.environmentName)` | \(flag) | \(file) | \(value) | \(setting.summary) |")
        }
        lines += ["", readmeEnd]
        return lines.joined(separator: "\n")
    }

    /// The README with its settings table, between the markers, made anew; `nil` when the markers are missing.
    public static func readme(splicingTableInto readme: String) -> String? {
        guard let begin = readme.range(of: readmeBegin),
            let end = readme.range(of: readmeEnd, range: begin.upperBound..<readme.endIndex)
        else { return nil }
        return String(readme[..<begin.lowerBound]) + readmeTable + String(readme[end.upperBound...])
    }

    /// `deploy/gateway.env.example`: every setting, commented, at its default.
    public static var environmentExample: String {
        var text = """
            # ContactsGateway settings as environment variables, read by `contacts-gateway serve` and every command.
            # A flag beats its variable, which beats the settings file (GATEWAY_CONFIG), which beats the default.
            # Copy to /etc/contacts-gateway/gateway.env and keep it mode 0600: it may hold secrets. Each line shows the
            # default, commented out: uncomment and change what you need.
            # Made from GatewaySettings.definitions (`swift run gateway-dev docs`); a test holds it to them.

            """
        for setting in GatewaySettings.definitions where setting.key != "sandbox" && !setting.key.hasPrefix("sandbox.") {
            text += "\n" + comment(setting.summary + " " + expectation(setting))
            text += "#\(setting.environmentName)=\(setting.defaultValue ?? "")\n"
        }
        return text
    }

    /// `deploy/gateway.yaml`: the same settings as a settings file.
    public static var fileExample: String {
        var text = """
            # ContactsGateway settings file: `contacts-gateway serve --config deploy/gateway.yaml` (or GATEWAY_CONFIG).
            # Names as the environment's without GATEWAY_, in lower case, `_` read as a dot; nested keys work too
            # (`upstream: {url: …}`). A flag or an environment variable beats what is set here. Each line shows the
            # default, commented out: uncomment and change what you need.
            # Made from GatewaySettings.definitions (`swift run gateway-dev docs`); a test holds it to them.

            """
        for setting in GatewaySettings.definitions
        where setting.key != "config" && setting.key != "sandbox" && !setting.key.hasPrefix("sandbox.") {
            text += "\n" + comment(setting.summary + " " + expectation(setting))
            text += "#\(setting.key):" + (setting.defaultValue.map { " " + quoted($0) } ?? "") + "\n"
        }
        return text
    }

    /// What `serve --help` lists after its own options.
    public static var helpText: String {
        var lines = ["Settings (flag, environment variable, settings-file key; default):"]
        for setting in GatewaySettings.definitions where setting.hasFlag {
            let value = setting.documentedDefault ?? "none"
            lines.append("  \(setting.flagName) (\(setting.environmentName), \(setting.key); \(value))")
            lines.append("      \(setting.summary)")
        }
        lines.append("  GATEWAY_SECRET_KEY (secret.key): environment or settings file only, never a flag.")
        return lines.joined(separator: "\n")
    }

    private static func expectation(_ setting: Setting) -> String {
        let value = setting.documentedDefault.map { "Default: \($0)." } ?? "No default."
        return "Takes \(setting.expects). \(value)"
    }

    private static func quoted(_ value: String) -> String {
        // Plain YAML scalars would turn `off` into false and `20/s` is fine, but quoting every value keeps it simple.
        "\"" + value.replacingOccurrencesOfQuote() + "\""
    }

    /// `# `-prefixed lines of at most 118 characters.
    private static func comment(_ text: String) -> String {
        var lines: [String] = []
        var line = "#"
        for word in text.split(separator: " ") {
            if line.count + word.count + 1 > 118 {
                lines.append(line)
                line = "#"
            }
            line += " " + word
        }
        lines.append(line)
        return lines.joined(separator: "\n") + "\n"
    }
}

extension String {
    fileprivate func replacingOccurrencesOfQuote() -> String {
        var out = ""
        for character in self {
            if character == "\"" || character == "\\" { out.append("\\") }
            out.append(character)
        }
        return out
    }
}
