import ArgumentParser
import CurlHTTP
import Foundation
import GatewayApp
import GatewayCore
import GatewaySettings

struct ConnectionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connections", abstract: "HighLevel locations the gateway holds tokens for.",
        subcommands: [List.self, AuthorizeURL.self, AddToken.self, Remove.self])

    /// The same administration the server uses; the token endpoint is reached only by the server's callback.
    static func administration(_ common: CommonOptions) async throws -> ConnectionAdministration {
        let settings = try common.settings()
        let storage = try await common.openStorage(settings)
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
            commandName: "authorize-url", abstract: "Print the address that connects a location through OAuth.",
            discussion: """
                The address is the running gateway's /oauth/start, which sends the browser on to HighLevel's consent \
                page with the gateway's own OAuth client and redirect URL: what the server uses (under serve \
                --sandbox, the sandbox's), not this shell's environment. The state is one-time, for 15 minutes.
                """)
        @OptionGroup var common: CommonOptions
        @Option(help: "The gateway as a browser reaches it (default: the origin of GATEWAY_REDIRECT_URL, else http:// and the listen address).")
        var url: String?
        @Option(help: "Bind the authorization to this location: a code that grants another is refused.")
        var location: String?

        func run() async throws {
            try await reportingFailures {
                let settings = try common.settings()
                let gateway = try url ?? Self.gatewayAddress(settings)
                guard let parsed = URL(string: gateway), parsed.scheme == "http" || parsed.scheme == "https",
                    parsed.host != nil
                else {
                    throw UsageError("--url '\(gateway)' is not an http or https URL")
                }
                let storage = try await common.openStorage(settings)
                let link = try await ConnectionAdministration(
                    connections: storage.repositories.connections, states: storage.repositories.authorizationStates,
                    settings: settings.oauth, endpoint: UnreachableTokenEndpoint()
                ).startLink(gateway: gateway, locationId: location, by: .operator)
                switch common.output {
                case .json: try Output.json(link)
                case .table:
                    Output.line(link.authorizeUrl)
                    Output.line("Open it in a browser before \(Output.date(link.expiresAt)); the gateway's /oauth/callback finishes it.")
                }
            }
        }

        /// Where the server's callback is, less its path: the gateway's own address as the browser knows it.
        static func gatewayAddress(_ settings: GatewaySettings) -> String {
            let callback = settings.oauth.redirectURL
            guard let components = URLComponents(string: callback), let scheme = components.scheme,
                let host = components.host
            else { return "http://\(settings.listen)" }
            return "\(scheme)://\(host)" + (components.port.map { ":\($0)" } ?? "")
        }
    }

    struct AddToken: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add-token", abstract: "Connect a location with a private integration token.",
            discussion: """
                Give the token with --token-file F, or --token - to read it from standard input: a token on the \
                command line (--token pit-…) shows in `ps` to every user of the machine and stays in the shell's \
                history. HighLevel is asked first whether the token works for the location (one contacts.readonly \
                call); --no-verify skips that where HighLevel cannot be reached from here. A location that is \
                connected already keeps its connection unless --replace is given.
                """)
        @OptionGroup var common: CommonOptions
        @Option(help: "The HighLevel location id.") var location: String
        @Option(
            name: .customLong("token-file"),
            help: "A file that holds the private integration token (the safe way; see below).")
        var tokenFile: String?
        @Option(help: "The token itself, or - to read it from standard input. Visible in `ps`: prefer --token-file.")
        var token: String?
        @Flag(help: "Replace the location's existing connection.") var replace = false
        @Flag(name: .customLong("no-verify"), help: "Store the token without checking it with HighLevel.")
        var noVerify = false

        /// The token from wherever it was given: exactly one of --token-file, --token -, --token T.
        func readToken() throws -> String {
            switch (tokenFile, token) {
            case (nil, nil):
                throw UsageError("give the token with --token-file FILE or --token - (standard input)")
            case (.some, .some):
                throw UsageError("give the token once: --token-file or --token, not both")
            case (let path?, nil):
                guard let data = FileManager.default.contents(atPath: path) else {
                    throw UsageError("cannot read the token file \(path)")
                }
                return String(decoding: data, as: UTF8.self)
            case (nil, "-"):
                return String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
            case (nil, let given?):
                return given
            }
        }

        func run() async throws {
            try await reportingFailures {
                let token = try readToken().trimmingCharacters(in: .whitespacesAndNewlines)
                guard !token.isEmpty else { throw UsageError("the token is empty") }
                let settings = try common.settings()
                let storage = try await common.openStorage(settings)
                // libcurl only when the token is checked: --no-verify works where nothing upstream is reachable.
                let curl = noVerify ? nil : try CurlHTTPClient()
                defer { curl?.shutdown() }
                let administration = ConnectionAdministration(
                    connections: storage.repositories.connections, states: storage.repositories.authorizationStates,
                    settings: settings.oauth, endpoint: UnreachableTokenEndpoint(),
                    tokenCheck: curl.map {
                        PrivateTokenCheck(client: CurlUpstreamClient(client: $0), upstreamURL: settings.upstreamURL)
                    })
                let connection = try await administration.addPrivateToken(
                    locationId: location, token: token, replace: replace, verify: !noVerify, by: .operator)
                switch common.output {
                case .json: try Output.json(ConnectionSummary(connection))
                case .table:
                    let checked = noVerify ? " (not checked with HighLevel: --no-verify)" : ", checked with HighLevel"
                    Output.line("Location \(connection.locationId) connected with a private integration token\(checked).")
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
                case .table: Output.line("Connection \(locationId) removed.")
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
