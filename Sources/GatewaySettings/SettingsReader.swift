import Configuration
import Foundation
import Yams

/// Reads ``GatewaySettings`` once: a flag beats its environment variable, which beats the settings file, which
/// beats the default. Flags, the environment and the file are swift-configuration providers, asked in that order.
///
/// Every name must be known: a flag, a `GATEWAY_` variable or a file key that is no setting stops the reading, as a
/// bad value does, so that a typo never leaves a setting silently at its default.
public struct SettingsReader: Sendable {
    /// A settings source and the name it reports in messages.
    private struct Source {
        let values: any ConfigSnapshot
        let describe: @Sendable (Setting) -> String
        /// The key this source knows a setting by.
        let key: @Sendable (Setting) -> AbsoluteConfigKey
    }

    /// Variables that start with the prefix but are not settings: the test suite's own, and none else.
    public static let prefix = "GATEWAY_"

    private let sources: [Source]
    /// The settings file's path, when one was named.
    public let configFile: String?

    /// - Parameters:
    ///   - flags: the arguments of `serve` that are settings, e.g. `["--listen", "0.0.0.0:8080"]`.
    ///   - environment: the process's environment.
    ///   - keys: the settings these arguments may name (`serve` takes every one; other commands fewer).
    public init(
        flags: [String], environment: [String: String], allowing keys: Set<String>? = nil
    ) throws(SettingsError) {
        let known = GatewaySettings.definitions.filter { keys?.contains($0.key) ?? true }
        try Self.checkFlags(flags, known: known)
        let environment = environment.filter { !$0.value.isEmpty }
        try Self.checkEnvironment(environment)
        var sources = [
            Source(
                values: CommandLineArgumentsProvider(arguments: ["serve"] + flags).snapshot(),
                describe: { $0.flagName }, key: { AbsoluteConfigKey($0.key.split(separator: ".").map(String.init)) }),
            Source(
                values: EnvironmentVariablesProvider(environmentVariables: environment).snapshot(),
                describe: { $0.environmentName },
                key: { AbsoluteConfigKey(["gateway"] + $0.key.split(separator: ".").map(String.init)) }),
        ]
        let config = GatewaySettings.definition(forKey: "config")!
        let path = try Self.lookUp(config, in: sources)?.value
        if let path {
            let file = try Self.loadFile(path)
            sources.append(
                Source(
                    values: file, describe: { "\($0.key) in \(path)" },
                    key: { AbsoluteConfigKey($0.key.split(separator: ".").map(String.init)) }))
        }
        self.sources = sources
        self.configFile = path
    }

    /// The settings: each from the first source that has it, parsed into its type, over the defaults in `base`.
    public func read(over base: GatewaySettings = GatewaySettings()) throws(SettingsError) -> GatewaySettings {
        var settings = base
        for setting in GatewaySettings.definitions {
            guard let (text, source) = try Self.lookUp(setting, in: sources) else { continue }
            guard setting.assign(text, to: &settings) else { throw .malformed(setting, text, from: source) }
        }
        return settings
    }

    private static func lookUp(_ setting: Setting, in sources: [Source]) throws(SettingsError) -> (value: String, source: String)? {
        for source in sources {
            let key = source.key(setting)
            let result: LookupResult
            do {
                // As an array: the flags provider splits `--x a,b` at commas, and a bare `--x` is an empty one.
                result = try source.values.value(forKey: key, type: .stringArray)
            } catch {
                do {
                    result = try source.values.value(forKey: key, type: .string)
                } catch {
                    throw SettingsError("\(source.describe(setting)): not a single value (\(setting.key) is \(setting.expects))")
                }
            }
            switch result.value?.content {
            case .stringArray(let parts)?: return (parts.isEmpty ? "true" : parts.joined(separator: ","), source.describe(setting))
            case .string(let text)?: return (text, source.describe(setting))
            case nil: continue
            default: continue
            }
        }
        return nil
    }

    private static func checkFlags(_ flags: [String], known: [Setting]) throws(SettingsError) {
        let names = Set(known.filter(\.hasFlag).map(\.flagName))
        var previousWasFlag = false
        for argument in flags {
            if argument.hasPrefix("--") {
                let name = String(argument.prefix { $0 != "=" })
                guard names.contains(name) else {
                    let hint = known.first { $0.environmentName == name.dropFirst(2).uppercased() }.map { _ in "" } ?? ""
                    throw SettingsError("unknown option \(name)\(hint): see --help for the settings")
                }
                previousWasFlag = !argument.contains("=")
            } else if !previousWasFlag {
                throw SettingsError("unexpected argument '\(argument)': settings are given as --name value")
            } else {
                previousWasFlag = false
            }
        }
    }

    private static func checkEnvironment(_ environment: [String: String]) throws(SettingsError) {
        let names = Set(GatewaySettings.definitions.map(\.environmentName))
        for name in environment.keys.sorted() where name.hasPrefix(prefix) && !names.contains(name) {
            throw SettingsError("unknown setting \(name) in the environment: unset it, or see --help for the settings")
        }
    }

    /// The file as a provider; its every key must be a setting. YAML, and so JSON too (YAML 1.2 holds JSON).
    private static func loadFile(_ path: String) throws(SettingsError) -> YAMLSnapshot {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw SettingsError("settings file \(path) cannot be read: \((error as NSError).localizedDescription)")
        }
        let keys: [String]
        do {
            guard let root = try Yams.Parser(yaml: String(decoding: data, as: UTF8.self)).singleRoot() else {
                return try YAMLSnapshot(data: Data("{}".utf8).bytes, providerName: path, parsingOptions: .default)
            }
            guard let mapping = root.mapping else {
                throw SettingsError("settings file \(path) must hold a mapping of settings, e.g. upstream.url: …")
            }
            keys = flattenedKeys(mapping)
        } catch let error as SettingsError {
            throw error
        } catch {
            throw SettingsError("settings file \(path) is not YAML or JSON: \(oneLine(error))")
        }
        let known = Set(GatewaySettings.definitions.map(\.key)).subtracting(["config"])
        if let unknown = keys.first(where: { !known.contains($0) }) {
            throw SettingsError("unknown setting '\(unknown)' in \(path): see --help for the settings")
        }
        do {
            return try YAMLSnapshot(data: data.bytes, providerName: path, parsingOptions: .default)
        } catch {
            throw SettingsError("settings file \(path) is not YAML or JSON: \(oneLine(error))")
        }
    }

    /// `upstream: {url: x}` and `upstream.url: x` both name `upstream.url`.
    private static func flattenedKeys(_ mapping: Node.Mapping, prefix: String = "") -> [String] {
        mapping.flatMap { key, value -> [String] in
            let name = prefix + (key.string ?? "?")
            if let nested = value.mapping { return flattenedKeys(nested, prefix: name + ".") }
            return [name]
        }
    }

    private static func oneLine(_ error: any Error) -> String {
        "\(error)".split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}
