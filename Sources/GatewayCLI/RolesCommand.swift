import ArgumentParser
import GatewayApp
import GatewayCore
import GatewaySQLite

struct RolesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "roles", abstract: "Roles and the scopes they grant.",
        subcommands: [List.self, Create.self, Delete.self])

    static func administration(_ common: CommonOptions) async throws -> RoleAdministration {
        RoleAdministration(repository: try await common.openStorage().repositories.roles)
    }

    static func table(_ roles: [RoleSummary]) {
        Output.table(
            ["NAME", "BUILT-IN", "SCOPES"],
            roles.map { [$0.name, $0.builtIn ? "yes" : "no", $0.scopes.joined(separator: ",")] })
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List roles.")
        @OptionGroup var common: CommonOptions

        func run() async throws {
            try await reportingFailures {
                let roles = try await RolesCommand.administration(common).list().map(RoleSummary.init)
                switch common.output {
                case .json: try Output.json(["roles": roles])
                case .table: RolesCommand.table(roles)
                }
            }
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a custom role.")
        @OptionGroup var common: CommonOptions
        @Argument(help: "The role's name.") var name: String
        @Option(help: "Comma-separated scopes, e.g. contacts.readonly,audit.read.") var scopes: String

        func run() async throws {
            try await reportingFailures {
                let role = try await RolesCommand.administration(common).create(
                    name: name, scopes: scopes.split(separator: ",").map(String.init), by: .operator)
                switch common.output {
                case .json: try Output.json(RoleSummary(role))
                case .table: RolesCommand.table([RoleSummary(role)])
                }
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a custom role no key uses.")
        @OptionGroup var common: CommonOptions
        @Argument(help: "The role's name.") var name: String

        func run() async throws {
            try await reportingFailures {
                try await RolesCommand.administration(common).delete(name: name, by: .operator)
                switch common.output {
                case .json: try Output.json(["name": name, "status": "deleted"])
                case .table: Output.line("Role \(name) deleted.")
                }
            }
        }
    }
}
