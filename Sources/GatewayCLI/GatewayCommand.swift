import ArgumentParser

/// `contacts-gateway`: the HighLevel Contacts gateway and its administration.
public struct GatewayCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "contacts-gateway",
        abstract: "A self-hosted gateway in front of HighLevel's Contacts API.",
        subcommands: [
            ServeCommand.self, SandboxCommand.self, KeysCommand.self, RolesCommand.self, ConnectionsCommand.self,
            AuditCommand.self,
        ])

    public init() {}
}

extension GatewayCommand {
    /// The executable's entry point, so that it needs no import of ArgumentParser.
    public static func start() async {
        await main()
    }
}
