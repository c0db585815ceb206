import Foundation
import GatewayCore
import GatewaySettings
import Logging
import Testing

@Suite struct SettingsReaderTests {
    private func read(
        _ flags: [String] = [], environment: [String: String] = [:], file: (name: String, text: String)? = nil
    ) throws -> GatewaySettings {
        var environment = environment
        var directory: URL?
        if let file {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cgw-settings-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let path = folder.appendingPathComponent(file.name)
            try Data(file.text.utf8).write(to: path)
            environment["GATEWAY_CONFIG"] = path.path
            directory = folder
        }
        defer { directory.map { try? FileManager.default.removeItem(at: $0) } }
        return try SettingsReader(flags: flags, environment: environment).read()
    }

    private func refusal(
        _ flags: [String] = [], environment: [String: String] = [:], file: (name: String, text: String)? = nil
    ) -> String? {
        do {
            _ = try read(flags, environment: environment, file: file)
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func nothingSetGivesTheDefaults() throws {
        var expected = GatewaySettings()
        expected.configFile = nil
        #expect(try read() == expected)
        #expect(try read().upstreamLimit == Rate(count: 100, perSeconds: 10))
        #expect(try read().resolvedTokenURL.absoluteString == "https://services.leadconnectorhq.com/oauth/token")
        #expect(try read().resolvedRedirectURL.absoluteString == "http://127.0.0.1:8080/oauth/callback")
    }

    @Test func everyDocumentedDefaultReadsBackAsTheDefault() throws {
        for setting in GatewaySettings.definitions {
            guard let value = setting.defaultValue else { continue }
            let settings = try read([], environment: [setting.environmentName: value])
            #expect(settings == GatewaySettings(), "\(setting.key) = \(value)")
        }
    }

    @Test func aFlagBeatsTheEnvironmentWhichBeatsTheFileWhichBeatsTheDefault() throws {
        let file = (name: "gateway.yaml", text: """
            upstream:
              limit: 50/10s
              timeout: 20s
            key.rate: 5/s
            listen: "0.0.0.0:9000"
            """)
        let environment = ["GATEWAY_UPSTREAM_TIMEOUT": "10s", "GATEWAY_KEY_RATE": "7/s"]
        let settings = try read(["--key-rate", "9/s"], environment: environment, file: file)
        #expect(settings.upstreamLimit == Rate(count: 50, perSeconds: 10))  // file
        #expect(settings.upstreamTimeout == .seconds(10))  // environment over file
        #expect(settings.keyRate == Rate(count: 9, perSeconds: 1))  // flag over both
        #expect(settings.listen == ListenAddress(host: "0.0.0.0", port: 9000))
        #expect(settings.auditDurability == .commit)  // default
        #expect(settings.configFile?.hasSuffix("gateway.yaml") == true)
    }

    @Test func valuesAreTypedWhereTheyAreRead() throws {
        let settings = try read([
            "--upstream-limit", "off", "--listen=[::1]:8081", "--database", "sqlite:/tmp/x.sqlite", "--max-body", "2MiB",
            "--audit-durability", "async", "--sandbox", "--sandbox-token-lifetime", "10s", "--scopes",
            "contacts.readonly contacts.write", "--log-level", "DEBUG",
        ], environment: ["GATEWAY_SECRET_KEY": Data(repeating: 7, count: 32).base64EncodedString()])
        #expect(settings.upstreamLimit == nil)
        #expect(settings.listen == ListenAddress(host: "::1", port: 8081) && settings.listen.description == "[::1]:8081")
        #expect(settings.database == .sqlite(path: "/tmp/x.sqlite"))
        #expect(settings.maxBody == 2 << 20)
        #expect(settings.auditDurability == .async)
        #expect(settings.sandbox && settings.sandboxTokenLifetime == .seconds(10))
        #expect(settings.scopes == "contacts.readonly contacts.write")
        #expect(settings.logLevel == .debug)
        #expect(settings.secretKey == (try GatewaySecret(bytes: Array(repeating: 7, count: 32))))
    }

    @Test func connectionLimitsAreTypedAndRefusedInOneLine() throws {
        let settings = try read(
            ["--idle-timeout", "2m", "--max-connections", "64"],
            environment: ["GATEWAY_HEADER_TIMEOUT": "500ms", "GATEWAY_BODY_TIMEOUT": "45s"])
        #expect(settings.idleTimeout == .seconds(120))
        #expect(settings.headerTimeout == .milliseconds(500))
        #expect(settings.bodyTimeout == .seconds(45))
        #expect(settings.maxConnections == 64)
        #expect(refusal(["--idle-timeout", "0s"])?.hasPrefix(#"idle.timeout: "0s" is not a duration"#) == true)
        #expect(refusal(environment: ["GATEWAY_HEADER_TIMEOUT": "10"])?.contains("(from GATEWAY_HEADER_TIMEOUT)") == true)
        #expect(refusal(file: (name: "g.yaml", text: "body:\n  timeout: later\n"))?.hasPrefix("body.timeout: ") == true)
        #expect(refusal(["--max-connections", "0"])
            == #"max.connections: "0" is not a whole number, at least 1 (from --max-connections)"#)
    }

    @Test func theCheckpointIntervalAndTheNodeAreSettings() throws {
        #expect(try read().auditCheckpointInterval == .seconds(60) && read().node == nil)
        let settings = try read(["--node", "gw-2"], environment: ["GATEWAY_AUDIT_CHECKPOINT_INTERVAL": "90s"])
        #expect(settings.auditCheckpointInterval == .seconds(90) && settings.node == "gw-2")
        #expect(refusal(["--audit-checkpoint-interval", "500ms"])?.contains("at least 1s") == true)
        #expect(refusal(environment: ["GATEWAY_NODE": "gw 2"])?.contains("letters, digits") == true)
    }

    @Test func theWebhookSettingsAreReadAndCheckedWhenRead() throws {
        let defaults = try read()
        #expect(defaults.webhookPublicKey == nil && defaults.webhookKeys == nil && defaults.webhookRSAPublicKey == nil)
        #expect(defaults.deliverySchedule == .standard && defaults.deliveryTimeout == .seconds(10))
        #expect(defaults.reconcileInterval == .seconds(900))
        let key = Data(repeating: 0x11, count: 32).base64EncodedString()
        let settings = try read(
            ["--delivery-schedule", "1s,5s", "--reconcile-interval", "off"],
            environment: ["GATEWAY_WEBHOOK_PUBLIC_KEY": key, "GATEWAY_DELIVERY_TIMEOUT": "3s"])
        #expect(settings.webhookKeys != nil && settings.deliverySchedule.waits == [.seconds(1), .seconds(5)])
        #expect(settings.deliveryTimeout == .seconds(3) && settings.reconcileInterval == nil)
        #expect(refusal(["--webhook-public-key", "not-a-key"])?.hasPrefix(#"webhook.public.key: "not-a-key" is not an Ed25519 public key"#) == true)
        #expect(refusal(environment: ["GATEWAY_WEBHOOK_RSA_PUBLIC_KEY": key])?.contains("an RSA public key of at least 2048 bits") == true)
        #expect(refusal(environment: ["GATEWAY_WEBHOOK_PUBLIC_KEY": "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"])
            == "webhook.public.key: the value is not an Ed25519 public key: PEM, or base64 or hex of its 32 bytes (from GATEWAY_WEBHOOK_PUBLIC_KEY)")
        #expect(refusal(["--delivery-schedule", "5s,soon"])?.contains("comma-separated waits") == true)
        #expect(refusal(["--reconcile-interval", "2s"])?.contains("at least 10s, or off") == true)
        #expect(refusal(["--delivery-timeout", "0s"])?.hasPrefix("delivery.timeout:") == true)
    }

    @Test func aJSONFileWorksAsWell() throws {
        let settings = try read(file: (name: "gateway.json", text: #"{"upstream": {"url": "http://127.0.0.1:8090"}, "key.burst": 7}"#))
        #expect(settings.upstreamURL.absoluteString == "http://127.0.0.1:8090")
        #expect(settings.keyBurst == 7)
    }

    @Test func aBadValueIsOneLineThatNamesTheSettingAndWhatIsWanted() {
        #expect(refusal(["--upstream-limit", "banana"])
            == #"upstream.limit: "banana" is not a rate like 100/10s, or off (from --upstream-limit)"#)
        #expect(refusal(environment: ["GATEWAY_UPSTREAM_TIMEOUT": "soon"])
            == #"upstream.timeout: "soon" is not a duration like 30s, 15m or 12h (from GATEWAY_UPSTREAM_TIMEOUT)"#)
        #expect(refusal(file: (name: "g.yaml", text: "key.burst: 0"))?.hasPrefix(#"key.burst: "0" is not a whole number, at least 1 (from key.burst in "#) == true)
        #expect(refusal(["--listen", "nowhere"])?.contains("HOST:PORT") == true)
        #expect(refusal(["--database", "mysql://x"])?.contains("sqlite:PATH or postgres://") == true)
        #expect(refusal(["--upstream-url", "ftp://x"])?.contains("an http or https URL") == true)
        #expect(refusal(["--upstream-url", "not a url"])?.contains("an http or https URL") == true)
        #expect(refusal(["--audit-durability", "sometimes"])?.contains("commit or async") == true)
        #expect(refusal(["--max-body", "-5"])?.contains("a size in bytes") == true)
        // A secret is never echoed back.
        let secret = refusal(environment: ["GATEWAY_SECRET_KEY": "hunter2"])
        #expect(secret?.contains("hunter2") == false && secret?.contains("secret.key: the value is not 32 bytes") == true)
        for message in [refusal(["--upstream-limit", "banana"]), secret] {
            #expect(message?.contains("\n") == false)
        }
    }

    @Test func anUnknownNameIsRefusedWhereverItComesFrom() {
        #expect(refusal(["--upstream-limt", "5/s"])?.hasPrefix("unknown option --upstream-limt") == true)
        #expect(refusal(["--secret-key", "x"])?.hasPrefix("unknown option --secret-key") == true)
        #expect(refusal(["stray"])?.contains("unexpected argument 'stray'") == true)
        #expect(refusal(environment: ["GATEWAY_UPSTREM_LIMIT": "5/s"])?.contains("unknown setting GATEWAY_UPSTREM_LIMIT") == true)
        #expect(refusal(file: (name: "g.yaml", text: "upstream:\n  limt: 5/s\n"))?.contains("unknown setting 'upstream.limt'") == true)
        #expect(refusal(file: (name: "g.yaml", text: "config: other.yaml\n"))?.contains("unknown setting 'config'") == true)
    }

    @Test func aFileThatCannotBeReadIsOneLine() throws {
        #expect(refusal(environment: ["GATEWAY_CONFIG": "/nonexistent/gateway.yaml"])?.contains("cannot be read") == true)
        #expect(refusal(file: (name: "g.yaml", text: "- a\n- b\n"))?.contains("must hold a mapping") == true)
        #expect(refusal(file: (name: "g.yaml", text: "upstream: [unclosed\n"))?.contains("is not YAML or JSON") == true)
        #expect(refusal(file: (name: "g.yaml", text: "upstream:\n  limit: [1, 2]\n")) != nil)
        // An empty file sets nothing.
        #expect(try read(file: (name: "empty.yaml", text: "")).upstreamLimit == GatewaySettings().upstreamLimit)
    }
}
