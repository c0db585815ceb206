import Foundation
import Mustache

/// The console's pages: Mustache templates shipped as the module's resources (`Templates/`), parsed once at start.
/// `{{value}}` is HTML-escaped; the only unescaped insertion (`{{{chart}}}`) is SVG the console draws from numbers.
struct ConsoleTemplates: Sendable {
    private let library: MustacheLibrary

    /// Reads every template; a missing or malformed one is a broken build, so it stops the process at once.
    init() {
        guard let folder = Bundle.module.url(forResource: "Templates", withExtension: nil) else {
            fatalError("GatewayConsole: the Templates resource folder is missing from the build")
        }
        var library = MustacheLibrary()
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        for file in names where file.hasSuffix(".mustache") {
            let url = folder.appendingPathComponent(file)
            do {
                try library.register(String(contentsOf: url, encoding: .utf8), named: String(file.dropLast(9)))
            } catch {
                fatalError("GatewayConsole: template \(file) does not parse: \(error)")
            }
        }
        self.library = library
    }

    func render(_ page: String, _ values: [String: Any]) -> String {
        guard let html = library.render(values, withTemplate: page) else {
            fatalError("GatewayConsole: no template named \(page)")
        }
        return html
    }

    /// A static asset shipped beside the templates (`Assets/`).
    static func asset(_ name: String) -> String {
        guard let url = Bundle.module.url(forResource: "Assets/\(name)", withExtension: nil),
            let text = try? String(contentsOf: url, encoding: .utf8)
        else { fatalError("GatewayConsole: the asset \(name) is missing from the build") }
        return text
    }
}
