import Crypto
import Foundation
import Testing

@testable import GatewayCore

@Suite struct SecurityTests {
    @Test func cipherRoundTripsAndBindsTheLocation() throws {
        let cipher = TokenCipher(secret: GatewaySecret.generate())
        let sealed = try cipher.seal("token-value", context: "loc-a")
        #expect(try cipher.open(sealed, context: "loc-a") == "token-value")
        #expect(!String(decoding: sealed, as: UTF8.self).contains("token-value"))
        #expect(throws: TokenCipher.OpenError.self) { try cipher.open(sealed, context: "loc-b") }
        var tampered = sealed
        tampered[tampered.count - 1] ^= 1
        #expect(throws: TokenCipher.OpenError.self) { try cipher.open(tampered, context: "loc-a") }
        let other = TokenCipher(secret: GatewaySecret.generate())
        #expect(throws: TokenCipher.OpenError.self) { try other.open(sealed, context: "loc-a") }
    }

    @Test func secretParsesBase64AndHexAndRefusesOthers() throws {
        let secret = GatewaySecret.generate()
        _ = try GatewaySecret(encoded: secret.base64)
        _ = try GatewaySecret(encoded: String(repeating: "ab", count: 32))
        #expect(throws: GatewaySecret.LoadError.self) { try GatewaySecret(encoded: "short") }
    }

    @Test func keyFileIsCreatedPrivateAndRefusedWhenOpen() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cgw-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("gateway.sqlite.key").path
        #expect(throws: GatewaySecret.LoadError.self) { try GatewaySecret.loadOrCreateKeyFile(file, creating: false) }
        let first = try GatewaySecret.loadOrCreateKeyFile(file, creating: true)
        let mode = try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o600)
        let second = try GatewaySecret.loadOrCreateKeyFile(file, creating: false)
        #expect(first.base64 == second.base64)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file)
        #expect(throws: GatewaySecret.LoadError.self) { try GatewaySecret.loadOrCreateKeyFile(file, creating: true) }
    }

    @Test func keysAreCheckedByKeyedHash() throws {
        let format = KeyFormat(secret: GatewaySecret.generate())
        let generated = format.generate()
        let parsed = try #require(format.parse(generated.key))
        #expect(parsed.id == generated.id)
        #expect(format.matches(parsed.secret, hash: generated.hash))
        #expect(!format.matches(parsed.secret + "x", hash: generated.hash))
        #expect(format.parse("cgw_short_x") == nil)
        #expect(format.parse("Bearer abc") == nil)
        #expect(generated.key.count == 4 + 12 + 1 + 32)
    }

    /// `parse` reads bytes; it must accept and refuse exactly what splitting at the first `_` did (the reference below
    /// is the former code), for keys of the right length and of every length around it.
    @Test func parsingAKeyAgreesWithSplittingAtItsFirstUnderscore() {
        let format = KeyFormat(secret: GatewaySecret.generate())
        func reference(_ presented: String) -> (id: String, secret: String)? {
            guard presented.hasPrefix(KeyFormat.prefix) else { return nil }
            let parts = presented.dropFirst(KeyFormat.prefix.count)
                .split(separator: "_", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, parts[0].count == KeyFormat.idLength, parts[1].count == KeyFormat.secretLength,
                PathIdentifier.isValid(parts[0]), PathIdentifier.isValid(parts[1])
            else { return nil }
            return (String(parts[0]), String(parts[1]))
        }
        let id = "abcdefghij12", secret = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
        var inputs = [
            "cgw_\(id)_\(secret)", "cgw_\(id)_\(secret.dropLast())_", "cgw_\(id)__\(secret.dropFirst())",
            "cgw_\(id.dropLast())__\(secret)", "cgw_\(id)-\(secret)", "CGW_\(id)_\(secret)", "cgx_\(id)_\(secret)",
            "cgw_\(id.dropLast())é_\(secret)", "cgw_\(id)_\(secret.dropLast())é", "cgw_\(id)_\(secret.dropLast(2))é",
            "cgw_\(id)_\(secret.dropLast())\u{0}", "cgw_\(id)_\(secret.dropLast()) ", "cgw_\(id)_\(secret)x",
            "cgw_\(id)_\(secret.dropLast())", "cgw_\(id)\(secret)", "cgw_", "", "_", "cgw__\(secret)",
            "cgw_\(id)_\(secret.dropLast())\u{301}", "cgw_e\u{301}\(id.dropFirst(2))_\(secret)",
        ]
        let generated = format.generate().key
        inputs.append(generated)
        for cut in 0...generated.count {
            inputs.append(String(generated.prefix(cut)))
            inputs.append(String(generated.prefix(cut)) + "_" + String(generated.dropFirst(cut)))
        }
        for input in inputs {
            let parsed = format.parse(input), expected = reference(input)
            #expect(parsed?.id == expected?.id && parsed?.secret == expected?.secret, "\(input.debugDescription)")
        }
        #expect(format.parse("cgw_\(id)_\(secret)")! == (id, secret))
        #expect(format.parse("cgw_\(id)_\(secret.dropLast())_")! == (id, String(secret.dropLast()) + "_"))
        #expect(format.parse(generated) != nil)
    }

    /// The format keeps one HMAC that has taken the key and copies it per secret: each secret's code must be the
    /// library's one-shot HMAC-SHA-256 under the same key (so keys stored before still match), whatever was hashed
    /// before it, and a stored hash of another length, or none, never matches.
    @Test func aKeyedHashIsTheOneShotHMACWhateverCameBefore() {
        let secret = GatewaySecret.generate()
        let format = KeyFormat(secret: secret)
        let secrets = ["a", String(repeating: "Z", count: 32), "", String(repeating: "q9", count: 40), "a"]
        for text in secrets {
            let expected = Data(HMAC<SHA256>.authenticationCode(for: Array(text.utf8), using: secret.keyHashingKey))
            #expect(format.hash(text) == expected)
            #expect(format.matches(text, hash: expected))
            #expect(!format.matches(text + "x", hash: expected))
            #expect(!format.matches(text, hash: expected.dropLast()))
            #expect(!format.matches(text, hash: expected + [0]))
            #expect(!format.matches(text, hash: Data()))
        }
        #expect(!KeyFormat(secret: GatewaySecret.generate()).matches("a", hash: format.hash("a")))
    }

    @Test func durationsAndRatesParseAsTheContractWritesThem() {
        #expect(DurationText.seconds("90s") == 90)
        #expect(DurationText.seconds("15m") == 900)
        #expect(DurationText.seconds("12h") == 43_200)
        #expect(DurationText.seconds("30d") == 2_592_000)
        #expect(DurationText.seconds("500ms") == 0.5)
        #expect(DurationText.seconds("soon") == nil)
        #expect(Rate("10/s") == Rate(count: 10, perSeconds: 1))
        #expect(Rate("600/min") == Rate(count: 600, perSeconds: 60))
        #expect(Rate("100/10s") == Rate(count: 100, perSeconds: 10))
        #expect(Rate("100/10s")?.description == "100/10s")
        #expect(Rate("x/s") == nil)
        #expect(Rate("0/s") == nil)
    }
}
