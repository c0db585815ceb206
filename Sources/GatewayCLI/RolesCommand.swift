import ArgumentParser
import GatewayApp
import GatewayCore
import GatewaySQLite

struct RolesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "roles", abstract: "Roles and the scopes they grant.", subcommands: [List.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List roles.")
        @OptionGroup var common: CommonOptions

        func run() async throws {
            try await reportingFailures {
                let storage = try common.openStorage()
                let roles = Role.builtIns + (try await storage.store.customRoles())
                switch common.output {
                case .json:
                    try Output.json(["roles": roles.map { RoleView(name: $0.name, scopes: $0.scopes.sorted().map(\.rawValue), builtIn: $0.builtIn) }])
                case .table:
                    Output.table(
                        ["NAME", "BUILT-IN", "SCOPES"],
                        roles.map { [$0.name, $0.builtIn ? "yes" : "no", $0.scopes.sorted().map(\.rawValue).joined(separator: ",")] })
                }
            }
        }
    }

    struct RoleView: Codable {
        var name: String
        var scopes: [String]
        var builtIn: Bool
    }
}
