import Foundation
import GatewayOpenAPI
import GatewaySettings
import Testing

/// `gateway-dev docs`: writes every generated document, `--check` names the stale ones, and a wrong folder or a
/// README without its markers is one plain line, exit 1, with nothing written.
@Suite struct GatewayDevDocsTests {
    private func scratchProject(readme: String) throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("cgw-dev-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try Data("// swift-tools-version:6.1\n".utf8).write(to: root.appendingPathComponent("Package.swift"))
        try Data(readme.utf8).write(to: root.appendingPathComponent("README.md"))
        return root
    }

    private func read(_ root: URL, _ path: String) -> String? {
        try? String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    @Test func checkNamesTheStaleFilesThenDocsWritesThem() throws {
        let readme = "# Project\n\n\(SettingsDocumentation.readmeBegin)\nold table\n\(SettingsDocumentation.readmeEnd)\nafter\n"
        let root = try scratchProject(readme: readme)
        defer { try? FileManager.default.removeItem(at: root) }

        let check = try Executable.run(["docs", "--check", "--root", root.path], dev: true)
        #expect(check.status == 1)
        #expect(check.stderr.split(separator: "\n").count == 1, "\(check.stderr)")
        #expect(check.stderr.contains("stale: README.md, deploy/gateway.env.example, deploy/gateway.yaml, openapi/gateway.json, openapi/gateway.yaml"))
        #expect(read(root, "README.md") == readme, "--check wrote")
        #expect(read(root, "openapi/gateway.json") == nil)

        let write = try Executable.run(["docs", "--root", root.path], dev: true)
        #expect(write.status == 0, "\(write.stderr)")
        #expect(read(root, "openapi/gateway.json") == GatewayOpenAPI.json)
        #expect(read(root, "openapi/gateway.yaml") == (try GatewayOpenAPI.yaml()))
        #expect(read(root, "deploy/gateway.env.example") == SettingsDocumentation.environmentExample)
        #expect(read(root, "README.md") == SettingsDocumentation.readme(splicingTableInto: readme))
        #expect(read(root, "README.md")?.hasSuffix("\nafter\n") == true)

        let again = try Executable.run(["docs", "--check", "--root", root.path], dev: true)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("every generated document is current"))
    }

    @Test func aFolderThatIsNotTheProjectIsOneLine() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cgw-dev-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try Executable.run(["docs", "--root", folder.path], dev: true)
        #expect(result.status == 1)
        #expect(result.stderr == "gateway-dev: \(folder.path) is not the project's root (no Package.swift); run from there or pass --root\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
    }

    @Test func aReadmeWithoutItsMarkersIsOneLineAndNothingIsWritten() throws {
        let root = try scratchProject(readme: "# No table here\n")
        defer { try? FileManager.default.removeItem(at: root) }
        let result = try Executable.run(["docs", "--root", root.path], dev: true)
        #expect(result.status == 1)
        #expect(result.stderr.split(separator: "\n").count == 1)
        #expect(result.stderr.contains("has no settings table markers"))
        #expect(read(root, "openapi/gateway.json") == nil)
        #expect(read(root, "README.md") == "# No table here\n")
    }
}
