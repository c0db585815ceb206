import ArgumentParser
import Foundation
import GatewayApp
import GatewayCore
import GatewaySettings

struct ConnectionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connections", abstract: "HighLevel locations the gateway holds tokens for.",
        subcommands: [List.self, AuthorizeURL.self, AddToken.self, Remove.self])

    /// The same administration the server uses; the token endpoint is reached only by the server's callback.
    static func administration(_ common: CommonOptions) throws -> ConnectionAdministration {
        let settings = try common.settings()
        let storage = try common.openStorage(settings)
        return ConnectionAdministration(
            connections: storage.repositories.connections, states: storage.repositories.authorizationStates,
            settings: settings.oauth, endpoint: UnreachableTokenEndpoint())
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List connections (never their tokens).")
        @OptionGroup var common: CommonOptions

        func run() async throws {
            try await reportingFailures {
                let all = try await ConnectionsCommand.administration(common).list(by: .operator).map(ConnectionSummary.init)
                switch common.output {
                case .json: try Output.json(["connections": all])
                case .table:
                    Output.table(
                        ["LOCATION", "KIND", "STATUS", "EXPIRES", "UPDATED"],
                        all.map { [$0.locationId, $0.kind, $0.status, Output.date($0.accessTokenExpiresAt), Output.date($0.updatedAt)] })
                }
            }
        }
    }

    struct AuthorizeURL: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "authorize-url", abstract: "Print the address that connects a location through OAuth.")
        @OptionGroup var common: CommonOptions
        @Option(help: "Client id (default: GATEWAY_CLIENT_ID).") var clientId: String?
        @Option(help: "Redirect URL registered with the app (default: GATEWAY_REDIRECT_URL, then the listen address).")
        var redirectUrl: String?
        @Option(help: "Bind the authorization to this location: a code that grants another is refused.")
        var location: String?

        func run() async throws {
            try await reportingFailures {
                var settings = try common.settings()
                if let clientId { settings.clientId = clientId }
                if let redirectUrl {
                    guard let url = URL(string: redirectUrl), url.scheme == "http" || url.scheme == "https" else {
                        throw UsageError("--redirect-url '\(redirectUrl)' is not an http or https URL")
                    }
                    settings.redirectURL = url
                }
                let storage = try common.openStorage(settings)
                let link = try await ConnectionAdministration(
                    connections: storage.repositories.connections, states: storage.repositories.authorizationStates,
                    settings: settings.oauth, endpoint: UnreachableTokenEndpoint()
                ).authorizeLink(locationId: location, by: .operator)
                switch common.output {
                case .json: try Output.json(link)
                case .table:
                    print(link.authorizeUrl)
                    print("Open it in a browser before \(Output.date(link.expiresAt)); the gateway's /oauth/callback finishes it.")
                }
            }
        }
    }

    struct AddToken: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add-token", abstract: "Connect a location with a private integration token.")
        @OptionGroup var common: CommonOptions
        @Option(help: "The HighLevel location id.") var location: String
        @Option(help: "The private integration token.") var token: String

        func run() async throws {
            try await reportingFailures {
                let connection = try await ConnectionsCommand.administration(common).addPrivateToken(
                    locationId: location, token: token)
                switch common.output {
                case .json: try Output.json(ConnectionSummary(connection))
                case .table: print("Location \(connection.locationId) connected with a private integration token.")
                }
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Forget a location's connection and tokens.")
        @OptionGroup var common: CommonOptions
        @Argument(help: "The HighLevel location id.") var locationId: String

        func run() async throws {
            try await reportingFailures {
                try await ConnectionsCommand.administration(common).remove(locationId: locationId, by: .operator)
                switch common.output {
                case .json: try Output.json(["locationId": locationId, "status": "removed"])
                case .table: print("Connection \(locationId) removed.")
                }
            }
        }
    }
}

/// The CLI never exchanges codes or refreshes: that is the running server's job.
struct UnreachableTokenEndpoint: TokenEndpoint {
    func exchange(code: String) async throws(TokenEndpointError) -> TokenGrant {
        throw .rejected(status: 0, message: "the CLI does not call the token endpoint")
    }
    func refresh(refreshToken: String) async throws(TokenEndpointError) -> TokenGrant {
        throw .rejected(status: 0, message: "the CLI does not call the token endpoint")
    }
}
