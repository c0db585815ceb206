import ArgumentParser
import Foundation
import GatewayApp
import GatewaySettings

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Run the gateway.", discussion: SettingsDocumentation.helpText)

    /// Every setting is a flag of its own name (`--upstream-limit 50/10s`), read with the environment and the settings
    /// file by GatewaySettings' one definition; an unknown one is refused there.
    @Argument(parsing: .allUnrecognized, help: .hidden) var settings: [String] = []

    func run() async throws {
        try await reportingFailures {
            // `serve --sandbox --locations a,b` is what people type; the setting is sandbox.locations.
            let flags = self.settings.map { flag in
                flag == "--locations" || flag.hasPrefix("--locations=") ? "--sandbox-" + flag.dropFirst(2) : flag
            }
            let settings = try SettingsReader(flags: flags, environment: ProcessInfo.processInfo.environment).read()
            GatewayLogging.bootstrap(format: settings.logFormat, level: settings.logLevel)
            try await GatewayProcess.run(settings) { Output.line($0) }
        }
    }
}
