import ChildProcess
import Foundation
import Testing

@testable import GatewayCore

@Suite struct StandardWebhookSignerTests {
    /// Checked against an implementation that is not ours: Python's hmac, as a receiver would compute it.
    @Test func theSignatureIsWhatAnIndependentReceiverComputes() throws {
        let secret = StandardWebhookSigner.newSecret()
        #expect(secret.hasPrefix("whsec_"))
        let signer = try StandardWebhookSigner(secret: secret)
        let body = #"{"id":"dlv_1","type":"ContactUpdate","event":{"é":"ü"}}"#
        let signature = signer.signature(id: "dlv_1", timestamp: 1_764_651_600, body: Array(body.utf8))
        let script = """
            import base64, hashlib, hmac, sys
            key = base64.b64decode(sys.argv[1][len("whsec_"):])
            message = (sys.argv[2] + "." + sys.argv[3] + ".").encode() + sys.argv[4].encode()
            print("v1," + base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode())
            """
        let python = try ChildProcess.run(
            executable: "/usr/bin/python3", arguments: ["-c", script, secret, "dlv_1", "1764651600", body])
        let expected = python.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(signature == expected)
        #expect(signer.verifies("v2,abc \(signature)", id: "dlv_1", timestamp: 1_764_651_600, body: Array(body.utf8)))
        #expect(!signer.verifies(signature, id: "dlv_1", timestamp: 1_764_651_601, body: Array(body.utf8)))
        #expect(!signer.verifies(signature, id: "dlv_2", timestamp: 1_764_651_600, body: Array(body.utf8)))
    }

    @Test func secretsAreNewEachTimeAndBadOnesNamed() throws {
        #expect(StandardWebhookSigner.newSecret() != StandardWebhookSigner.newSecret())
        for bad in ["", "whsec_", "whsec_!!!", "sk_" + Data(repeating: 1, count: 32).base64EncodedString(),
                    "whsec_" + Data(repeating: 1, count: 8).base64EncodedString()] {
            #expect(throws: StandardWebhookSigner.Malformed(description: "a secret is whsec_ and the base64 of 24 to 64 bytes")) {
                try StandardWebhookSigner(secret: bad)
            }
        }
    }
}
