import Foundation
import Testing

/// Issue 19, item 2: what the README, the Dockerfile and Package.swift claim about the Swift version holds for every
/// dependency as resolved, and the image's health check uses the binary's own probe (the `health` command, which
/// ServeStartTests drives against a real server).
@Suite struct ClaimsTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func text(_ path: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    /// `6.2` from `// swift-tools-version: 6.2` (or `:6.2.0`), as (major, minor).
    static func toolsVersion(_ manifest: String) -> (Int, Int)? {
        guard let match = manifest.firstMatch(of: /swift-tools-version:\s*(\d+)\.(\d+)/) else { return nil }
        return (Int(match.output.1)!, Int(match.output.2)!)
    }

    @Test func theStatedSwiftVersionIsWhatTheDependenciesNeed() throws {
        let checkouts = Self.root.appendingPathComponent(".build/checkouts")
        let names = try FileManager.default.contentsOfDirectory(atPath: checkouts.path)
        let needed = try names.compactMap { name -> (Int, Int)? in
            let manifest = checkouts.appendingPathComponent(name).appendingPathComponent("Package.swift")
            guard let text = try? String(contentsOf: manifest, encoding: .utf8) else { return nil }
            return try #require(Self.toolsVersion(text), "\(name)")
        }.max { $0 < $1 }
        let minimum = try #require(needed)
        let stated = "\(minimum.0).\(minimum.1)"
        #expect(try Self.toolsVersion(Self.text("Package.swift")).map { $0 >= minimum } == true)
        #expect(try Self.text("README.md").contains("Swift \(stated) or later"), "README must state Swift \(stated)")
        let dockerfile = try Self.text("deploy/Dockerfile")
        let image = try #require(dockerfile.firstMatch(of: /FROM swift:(\d+)\.(\d+)/))
        #expect((Int(image.output.1)!, Int(image.output.2)!) >= minimum, "the build image is older than Swift \(stated)")
    }

    @Test func theImageChecksItsHealthWithTheBinary() throws {
        let dockerfile = try Self.text("deploy/Dockerfile")
        let line = try #require(dockerfile.split(separator: "\n").first { $0.hasPrefix("HEALTHCHECK") })
        #expect(line.contains(#""/usr/local/bin/contacts-gateway", "health""#), "\(line)")
        #expect(!line.contains("/dev/tcp") && !line.contains("/bin/sh"), "\(line)")
    }
}
