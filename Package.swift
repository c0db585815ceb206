// swift-tools-version:6.2
import PackageDescription

// Every target compiles in Swift 6 language mode with the two upcoming features
// that Hummingbird and swift-nio use: `any` spelled out, and imports visible only where declared.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "contacts-gateway",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "contacts-gateway", targets: ["contacts-gateway"])
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        // Settings from flags, the environment and a YAML or JSON file (YAML through Yams).
        .package(
            url: "https://github.com/apple/swift-configuration.git", from: "1.4.0",
            traits: ["YAML", "CommandLineArguments"]),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        // The console's server-rendered pages.
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        // libcurl from the system (Debian: libcurl4-openssl-dev), with typed shims for its variadic calls.
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        // A general HTTP client over one curl multi handle on a dedicated thread. Knows nothing of the gateway.
        .target(
            name: "CurlHTTP",
            dependencies: ["CCurl"],
            swiftSettings: swiftSettings
        ),
        // The domain: route table, scopes, connections, token lifecycle, errors. No HTTP server, no database.
        .target(
            name: "GatewayCore",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                // RSA, for HighLevel's legacy webhook signature (X-WH-Signature) only.
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The embedded store: SQLite through GRDB.
        .target(
            name: "GatewaySQLite",
            dependencies: [
                "GatewayCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                // SQLite's C API, for the audit writer's INSERT (AuditInsert.swift says why).
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
        // The shared store: PostgreSQL through postgres-nio, for several gateways on one database.
        .target(
            name: "GatewayPostgres",
            dependencies: [
                "GatewayCore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The gateway's settings, defined once: typed, read from flags, the environment and a file.
        .target(
            name: "GatewaySettings",
            dependencies: [
                "GatewayCore",
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Every repository in memory, for router-level tests; passes the same conformance suite as the real stores.
        .target(name: "GatewayMemoryStore", dependencies: ["GatewayCore"], swiftSettings: swiftSettings),
        // An in-memory imitation of HighLevel's OAuth and Contacts API, built from its official OpenAPI spec.
        .target(
            name: "HighLevelSandbox",
            dependencies: [
                // CurlHTTP and Crypto for the webhook events it sends, signed with Ed25519 as HighLevel signs them.
                "CurlHTTP",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
        // The gateway's one OpenAPI document, from the route table and HighLevel's spec (compiled in, so the
        // gateway serves it offline and `gateway-dev docs` writes the same bytes to openapi/).
        .target(
            name: "GatewayOpenAPI",
            dependencies: ["GatewayCore", .product(name: "Yams", package: "Yams")],
            resources: [.embedInCode("HighLevel/contacts.json")],
            swiftSettings: swiftSettings
        ),
        // The web console at /console: sessions, forms and pages over the core's administration services, rendered
        // from Mustache templates shipped as the module's resources.
        .target(
            name: "GatewayConsole",
            dependencies: [
                "GatewayCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            resources: [.copy("Templates"), .copy("Assets")],
            swiftSettings: swiftSettings
        ),
        // The HTTP service: Hummingbird wiring, the proxy pipeline, OAuth callback, admin API.
        .target(
            name: "GatewayApp",
            dependencies: [
                "GatewayCore", "GatewaySQLite", "GatewayPostgres", "GatewayMemoryStore", "GatewaySettings",
                "GatewayOpenAPI", "GatewayConsole", "CurlHTTP", "HighLevelSandbox",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),
        // The command line: serve, sandbox, keys, roles, connections, audit.
        .target(
            name: "GatewayCLI",
            dependencies: [
                "GatewayApp", "GatewayCore", "GatewaySQLite", "CurlHTTP", "HighLevelSandbox",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "contacts-gateway",
            dependencies: ["GatewayCLI"],
            swiftSettings: swiftSettings
        ),
        // Development tools, apart from the product: `swift run gateway-dev docs` writes the generated documents.
        .executableTarget(
            name: "gateway-dev",
            dependencies: [
                "GatewayOpenAPI", "GatewaySettings",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        // The benchmark programs that bench/ runs, apart from the product.
        .executableTarget(
            name: "gateway-bench",
            dependencies: [
                "GatewayApp", "GatewayCore", "GatewaySettings", "CurlHTTP",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                // bench/webhooks: signed events in, and a receiver for the deliveries out.
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "bench/Sources/gateway-bench",
            swiftSettings: swiftSettings
        ),
        // Test support: child processes without Foundation's `Process` (see ChildProcess.swift for why). Linux only.
        .target(name: "ChildProcess", path: "Tests/Support/ChildProcess", swiftSettings: swiftSettings),
        .testTarget(name: "ChildProcessTests", dependencies: ["ChildProcess"], swiftSettings: swiftSettings),
        // Test support: what every store must do (Tests/Support/RepositoryConformance), run by each store's tests.
        .target(
            name: "RepositoryConformance", dependencies: ["GatewayCore"], path: "Tests/Support/RepositoryConformance",
            swiftSettings: swiftSettings),
        .testTarget(
            name: "GatewayMemoryStoreTests", dependencies: ["GatewayMemoryStore", "RepositoryConformance"],
            swiftSettings: swiftSettings),
        .testTarget(name: "GatewayCoreTests", dependencies: ["GatewayCore", "ChildProcess"], swiftSettings: swiftSettings),
        .testTarget(
            name: "GatewayOpenAPITests",
            dependencies: ["GatewayOpenAPI", "GatewayCore", .product(name: "Yams", package: "Yams")],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "GatewayConsoleTests", dependencies: ["GatewayConsole", "GatewayCore"], swiftSettings: swiftSettings),
        .testTarget(
            name: "GatewaySettingsTests",
            dependencies: ["GatewaySettings", "GatewayCore", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "CurlHTTPTests",
            dependencies: ["CurlHTTP", .product(name: "Hummingbird", package: "hummingbird")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GatewaySQLiteTests",
            dependencies: [
                "GatewaySQLite", "GatewayCore", "RepositoryConformance", .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
        // Test support: the PostgreSQL server the tests use (TEST_POSTGRES_URL; scripts/test starts one), a database each.
        .target(
            name: "TestPostgres",
            dependencies: [
                "GatewayPostgres", .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/Support/TestPostgres", swiftSettings: swiftSettings),
        .testTarget(
            name: "GatewayPostgresTests",
            dependencies: [
                "GatewayPostgres", "GatewayCore", "RepositoryConformance", "TestPostgres",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "HighLevelSandboxTests",
            dependencies: [
                "HighLevelSandbox", "ChildProcess",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GatewayAppTests",
            dependencies: [
                "GatewayApp", "GatewayCLI", "GatewayCore", "GatewaySQLite", "GatewaySettings", "GatewayMemoryStore",
                "GatewayOpenAPI", "GatewayConsole", "CurlHTTP", "HighLevelSandbox", "ChildProcess", "TestPostgres",
                "GatewayPostgres",
                // Tests tamper with the SQLite file from a connection of their own, as an intruder would.
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
