import ArgumentParser
import Foundation
import GatewayOpenAPI
import GatewaySettings

/// Development tools, apart from the product.
@main
struct GatewayDev: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gateway-dev",
        abstract: "Development tools for ContactsGateway (not part of the product).",
        subcommands: [Docs.self])
}

/// Writes every generated document from its one definition: the settings (README table, deploy examples) and the
/// OpenAPI document. Tests hold the committed files to the same functions.
struct Docs: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the generated documents (settings docs, openapi/gateway.yaml and .json).")

    @Flag(help: "Write nothing; exit 1 naming each file that is stale.")
    var check = false

    @Option(help: "The project's root folder.")
    var root = FileManager.default.currentDirectoryPath

    func run() throws {
        let rootURL = URL(fileURLWithPath: root)
        guard FileManager.default.fileExists(atPath: rootURL.appendingPathComponent("Package.swift").path) else {
            throw Self.fail("\(root) is not the project's root (no Package.swift); run from there or pass --root")
        }
        let readmeURL = rootURL.appendingPathComponent("README.md")
        guard let readme = try? String(contentsOf: readmeURL, encoding: .utf8),
            let splicedReadme = SettingsDocumentation.readme(splicingTableInto: readme)
        else {
            throw Self.fail("\(readmeURL.path) has no settings table markers (\(SettingsDocumentation.readmeBegin))")
        }
        let documents: [(path: String, text: String)] = [
            ("README.md", splicedReadme),
            ("deploy/gateway.env.example", SettingsDocumentation.environmentExample),
            ("deploy/gateway.yaml", SettingsDocumentation.fileExample),
            ("openapi/gateway.json", GatewayOpenAPI.json),
            ("openapi/gateway.yaml", try GatewayOpenAPI.yaml()),
        ]
        var stale: [String] = []
        for document in documents {
            let url = rootURL.appendingPathComponent(document.path)
            let current = try? String(contentsOf: url, encoding: .utf8)
            guard current != document.text else { continue }
            stale.append(document.path)
            if !check {
                try FileManager.default.createDirectory(
                    at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(document.text.utf8).write(to: url)
            }
        }
        if check && !stale.isEmpty {
            throw Self.fail("stale: \(stale.joined(separator: ", ")); run swift run gateway-dev docs")
        }
        print(stale.isEmpty ? "every generated document is current" : "wrote \(stale.joined(separator: ", "))")
    }

    /// One plain line on standard error, exit 1.
    private static func fail(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data("gateway-dev: \(message)\n".utf8))
        return ExitCode.failure
    }
}
