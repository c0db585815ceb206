import ArgumentParser
import Foundation
import GatewayApp

/// `contacts-gateway`: the HighLevel Contacts gateway and its administration.
public struct GatewayCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "contacts-gateway",
        abstract: "A self-hosted gateway in front of HighLevel's Contacts API.",
        discussion: """
            On failure every command prints one plain line on stderr, `error: …`, and exits with status 1; a usage \
            mistake too (with ArgumentParser's suggestion, e.g. "Did you mean '--expires-in'?"). `--help` on any \
            command shows its options.
            """,
        version: GatewayVersion.text,
        subcommands: [
            ServeCommand.self, SandboxCommand.self, KeysCommand.self, RolesCommand.self, ConnectionsCommand.self,
            SubscriptionsCommand.self, DeliveriesCommand.self, AuditCommand.self, StoreCommand.self, HealthCommand.self,
        ])

    public init() {}
}

extension GatewayCommand {
    /// The executable's entry point, so that it needs no import of ArgumentParser.
    ///
    /// ArgumentParser's own `main()` answers a usage mistake with several lines (the error, the usage, a hint) and
    /// exit status 64; the gateway promises one line and status 1 for every failure, so usage errors are folded
    /// into that line here. `--help`, `--version` and shell completion scripts are printed as ArgumentParser does.
    public static func start() async {
        // `serve … | head -2` closes stdout early: the gateway must keep serving, not die on the next line.
        StandardStream.ignoreBrokenPipes()
        do {
            var command = try parseAsRoot()
            if var asynchronous = command as? any AsyncParsableCommand {
                try await asynchronous.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            if code == .success { exit(withError: error) }
            let message = Self.message(for: error)
                .split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty }.joined(separator: " ")
            if !message.isEmpty {
                let hint = code == .validationFailure ? " (see --help)" : ""
                let text = message.lowercased().hasPrefix("error:") ? message : "error: " + message
                StandardStream.error.write(text + hint + "\n")
            }
            Foundation.exit(1)
        }
    }
}
