// Hummingbird 2's hello world with the contact as its answer: the framework's own cost per request, which the
// gateway pays before any work of its own. Arguments: port, body file.
import Foundation
import Hummingbird

let arguments = CommandLine.arguments
guard arguments.count == 3, let port = Int(arguments[1]) else { fatalError("usage: hb-hello PORT BODY_FILE") }
// Built once, as in nio-hello: only the framework's own work is left per request.
let body = ByteBuffer(string: try String(contentsOfFile: arguments[2], encoding: .utf8))
let router = Router()
router.get("/contacts/:id") { _, _ in
    Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: body))
}
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
try await app.runService()
