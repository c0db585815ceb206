import Foundation
import GatewaySettings
import Testing

/// The README's settings table, `deploy/gateway.env.example` and `deploy/gateway.yaml` are made from the one
/// definition of the settings; these tests fail when a committed file has drifted from it. To write them anew:
/// `swift run gateway-dev docs`.
@Suite struct SettingsDocumentationTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    private func check(_ relative: String, _ expected: String) throws {
        let url = Self.root.appendingPathComponent(relative)
        let committed = try String(contentsOf: url, encoding: .utf8)
        #expect(committed == expected, "\(relative) is stale: run swift run gateway-dev docs")
    }

    @Test func theEnvironmentExampleIsMadeFromTheDefinitions() throws {
        try check("deploy/gateway.env.example", SettingsDocumentation.environmentExample)
    }

    @Test func theSettingsFileExampleIsMadeFromTheDefinitions() throws {
        try check("deploy/gateway.yaml", SettingsDocumentation.fileExample)
    }

    @Test func theReadmeTableIsMadeFromTheDefinitions() throws {
        let url = Self.root.appendingPathComponent("README.md")
        let readme = try String(contentsOf: url, encoding: .utf8)
        let expected = try #require(SettingsDocumentation.readme(splicingTableInto: readme), "README has no settings markers")
        #expect(readme == expected, "README.md's settings table is stale: run swift run gateway-dev docs")
    }

    /// The example files are settings themselves: what they set reads back as the defaults.
    @Test func theExamplesReadBackAsTheDefaults() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cgw-docs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        // Every commented default, uncommented.
        let yaml = SettingsDocumentation.fileExample.split(separator: "\n").map { line -> String in
            line.hasPrefix("#") && line.contains(": ") && !line.hasPrefix("# ") ? String(line.dropFirst()) : String(line)
        }.joined(separator: "\n")
        let file = folder.appendingPathComponent("gateway.yaml")
        try Data(yaml.utf8).write(to: file)
        var expected = GatewaySettings()
        expected.configFile = file.path
        #expect(try SettingsReader(flags: ["--config", file.path], environment: [:]).read() == expected)
        var environment: [String: String] = [:]
        for line in SettingsDocumentation.environmentExample.split(separator: "\n") where line.hasPrefix("#GATEWAY_") {
            let pair = line.dropFirst().split(separator: "=", maxSplits: 1)
            if pair.count == 2 { environment[String(pair[0])] = String(pair[1]) }
        }
        #expect(environment.count > 15)
        #expect(try SettingsReader(flags: [], environment: environment).read() == GatewaySettings())
    }

    /// Every setting a user can set has a definition, and no two share a name.
    @Test func definitionsAreUnique() {
        let keys = GatewaySettings.definitions.map(\.key)
        #expect(Set(keys).count == keys.count)
        #expect(Set(GatewaySettings.definitions.map(\.flagName)).count == keys.count)
    }
}
