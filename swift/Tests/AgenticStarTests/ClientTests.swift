import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import XCTest
@testable import AgenticStar

/// The emulator as a child process; its stdin stays open (closing it stops the emulator).
final class Emulator: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
    let process = Process()
    let stdin = Pipe()
    let stdout = Pipe()
    private(set) var url = ""
    private lazy var session = URLSession(configuration: .ephemeral, delegate: self, delegateQueue: nil)

    override init() {
        super.init()
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../..").standardized
        let cli = ProcessInfo.processInfo.environment["AGENTICSTAR_CLI"] ?? repo.appendingPathComponent("target/debug/agenticstar").path
        process.executableURL = URL(fileURLWithPath: cli)
        process.arguments = ["emulator", "--port", "0", "--exit-on-stdin-close"]
        process.standardInput = stdin
        process.standardOutput = stdout
    }

    func start() throws {
        try process.run()
        var line = Data()
        let reader = stdout.fileHandleForReading
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = reader.availableData
            if chunk.isEmpty { throw NSError(domain: "emulator exited before it was ready", code: 1) }
            line.append(chunk)
        }
        let first = String(decoding: line.prefix { $0 != UInt8(ascii: "\n") }, as: UTF8.self)
        let ready = try JSONSerialization.jsonObject(with: Data(first.utf8)) as! [String: Any]
        url = ready["url"] as! String
        // Keep draining stdout so the emulator never blocks on a full pipe.
        reader.readabilityHandler = { _ = $0.availableData }
    }

    func stop() {
        try? stdin.fileHandleForWriting.close()
        process.waitUntilExit()
    }

    // Never follow redirects: the authorize endpoint's Location is the app's callback.
    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
        completionHandler(nil)
    }

    func send(_ method: String, _ path: String, _ json: String? = nil, absolute: Bool = false) throws -> (Int, String, HTTPURLResponse) {
        var req = URLRequest(url: URL(string: absolute ? path : url + path)!)
        req.httpMethod = method
        if let json { req.httpBody = Data(json.utf8); req.setValue("application/json", forHTTPHeaderField: "content-type") }
        let done = DispatchSemaphore(value: 0)
        var result: (Data?, URLResponse?, Error?) = (nil, nil, nil)
        session.dataTask(with: req) { result = ($0, $1, $2); done.signal() }.resume()
        done.wait()
        if let e = result.2 { throw e }
        let http = result.1 as! HTTPURLResponse
        return (http.statusCode, String(decoding: result.0 ?? Data(), as: UTF8.self), http)
    }

    @discardableResult
    func admin(_ method: String, _ path: String, _ json: String? = nil) throws -> String {
        let (status, body, _) = try send(method, path, json)
        guard (200..<300).contains(status) else { throw NSError(domain: "\(method) \(path) -> \(status): \(body)", code: status) }
        return body
    }

    func counter(_ name: String) throws -> Int {
        let all = try JSONSerialization.jsonObject(with: Data(admin("GET", "/admin/counters").utf8)) as! [String: Any]
        return (all[name] as? Int) ?? 0
    }

    /// Poll until the counter reaches `want` (the server sees a closed socket asynchronously).
    func awaitCounter(_ name: String, _ want: Int) throws -> Int {
        let end = Date().addingTimeInterval(20)
        while Date() < end {
            if try counter(name) >= want { break }
            Thread.sleep(forTimeInterval: 0.025)
        }
        return try counter(name)
    }

    func approve(_ authorizeUrl: String) throws -> String {
        let (status, body, http) = try send("GET", authorizeUrl, absolute: true)
        guard status == 302, let location = http.value(forHTTPHeaderField: "Location") else {
            throw NSError(domain: "authorize answered \(status): \(body)", code: status)
        }
        return location
    }
}

final class MapStore: TokenStore, @unchecked Sendable {
    private let lock = NSLock()
    private var values: [String: String] = [:]
    var snapshot: [String: String] { lock.lock(); defer { lock.unlock() }; return values }
    func load(key: String) throws -> String? { lock.lock(); defer { lock.unlock() }; return values[key] }
    func save(key: String, value: String) throws { lock.lock(); values[key] = value; lock.unlock() }
    func clear(key: String) throws { lock.lock(); values[key] = nil; lock.unlock() }
}

final class ClientTests: XCTestCase {
    static let emu = Emulator()
    var emu: Emulator { Self.emu }
    let expected = "こんにちは！🌸 You said: hi"

    override class func setUp() {
        super.setUp()
        try! emu.start()
    }

    override class func tearDown() {
        emu.stop()
        super.tearDown()
    }

    override func setUpWithError() throws {
        try emu.admin("POST", "/admin/reset")
    }

    func saas(_ id: String = "saas-cc-client", _ secret: String = "saas-cc-secret", flow: AuthFlow? = nil, maxRetries: Int32 = 3, store: TokenStore? = nil) throws -> Client {
        try Client(provider: Provider.agenticstar(authUrl: emu.url), credentials: Credentials(clientId: id, clientSecret: secret),
                   options: ClientOptions(apiUrl: emu.url, flow: flow, maxRetries: maxRetries), tokenStore: store)
    }

    func slowReply() throws {
        try emu.admin("POST", "/admin/config", #"{"reply": "\#(String(repeating: "あ", count: 400))", "chunk_chars": 4, "chunk_delay_ms": 50}"#)
    }

    /// The error `body` throws, as an AgenticStarError.
    func error(_ body: () async throws -> Void) async -> AgenticStarError? {
        do { try await body() } catch let e as AgenticStarError { return e } catch { XCTFail("not an AgenticStarError: \(error)") }
        return nil
    }

    func testClientCredentialsTokenIsCachedAndScoped() async throws {
        let c = try saas()
        let t = try await c.getToken()
        XCTAssertTrue(t.scopes().contains("chat:all"))
        XCTAssertFalse(String(describing: t).contains(t.accessToken()))
        let again = try await c.getToken()
        XCTAssertEqual(t.accessToken(), again.accessToken())
        XCTAssertEqual(try emu.counter("saas.token"), 1)
    }

    func testEveryProviderGetsAToken() async throws {
        let cases: [(Provider, Credentials)] = [
            (try .marketplace(baseUrl: emu.url), Credentials(clientId: "mp-client", clientSecret: "mp-secret")),
            (try .keycloak(baseUrl: emu.url, realm: "dai"), Credentials(clientId: "dai-client", clientSecret: "dai-secret")),
            (try .wrapped(apiUrl: emu.url + "/v1"), Credentials(clientId: "wrapped-client", clientSecret: "wrapped-secret")),
            (try .oidc(issuer: emu.url + "/federation/auth/v1"), Credentials(clientId: "saas-cc-client", clientSecret: "saas-cc-secret", authMethod: .clientSecretBasic)),
        ]
        for (p, creds) in cases {
            let token = try await Client(provider: p, credentials: creds).getToken()
            XCTAssertFalse(token.accessToken().isEmpty)
        }
        for name in ["marketplace.token", "keycloak.token", "wrapped.token", "saas.token"] {
            XCTAssertEqual(try emu.counter(name), 1, name)
        }
    }

    func testAuthorizationCodeSignsInPersistsAndSignsOut() async throws {
        let store = MapStore()
        let c = try saas("saas-app-client", "saas-app-secret", flow: .authorizationCode, store: store)
        let request = try await c.authorizeUrl(redirectUri: "http://127.0.0.1:8765/callback", scope: "openid chat:exec", uiLocales: "ja")
        XCTAssertTrue(request.url().contains("code_challenge_method=S256"))
        let restored = try AuthorizationRequest.fromJson(json: request.toJson())
        let signIn = try await c.completeAuthorization(request: restored, callbackUrl: try emu.approve(request.url()))
        XCTAssertEqual(signIn.claims?.subject, "user-alice")
        XCTAssertTrue(signIn.token.hasRefreshToken())
        XCTAssertEqual(store.snapshot.count, 1)
        var text = ""
        for try await d in c.stream("hi") { text += d.text }
        XCTAssertEqual(text, expected)

        let before = try emu.counter("saas.token")
        let relaunched = try saas("saas-app-client", "saas-app-secret", flow: .authorizationCode, store: store)
        let restoredToken = try await relaunched.getToken()
        XCTAssertEqual(restoredToken.accessToken(), signIn.token.accessToken())
        XCTAssertEqual(try emu.counter("saas.token"), before)
        try await relaunched.signOut()
        XCTAssertTrue(store.snapshot.isEmpty)
    }

    func testSignInErrorsAreTyped() async throws {
        let c = try saas("saas-app-client", "saas-app-secret", flow: .authorizationCode)
        let r = try await c.authorizeUrl(redirectUri: "http://127.0.0.1:8765/callback", scope: nil, uiLocales: nil)
        let mismatch = await error { _ = try await c.completeAuthorization(request: r, callbackUrl: "http://127.0.0.1:8765/callback?code=x&state=forged") }
        guard case .StateMismatch = mismatch else { return XCTFail("\(String(describing: mismatch))") }
        try emu.admin("POST", "/admin/faults", #"{"endpoint": "saas.authorize", "deny": true}"#)
        let denied = await error { _ = try await c.completeAuthorization(request: r, callbackUrl: try self.emu.approve(r.url())) }
        guard case .AuthorizationDenied = denied else { return XCTFail("\(String(describing: denied))") }
        XCTAssertEqual(denied?.code, "access_denied")
    }

    func testStreamsViaAsyncSequence() async throws {
        let c = try saas()
        var deltas: [ChatChunk] = []
        for try await d in c.stream(.user("hi")) { deltas.append(d) }
        XCTAssertEqual(deltas.map(\.text).joined(), expected)
        XCTAssertEqual(deltas.last { $0.finishReason != nil }?.finishReason, "stop")
        XCTAssertEqual(try emu.counter("chat.completed"), 1)
    }

    func testStreamsViaListener() async throws {
        let c = try saas()
        let done = expectation(description: "onComplete")
        let text = LockedText()
        try c.streamTo(.user("hi"), onDelta: { text.append($0.text) }, onError: { XCTFail("\($0)") }, onComplete: { done.fulfill() })
        await fulfillment(of: [done], timeout: 30)
        XCTAssertEqual(text.value, expected)
    }

    func testBreakingOutOfTheLoopClosesTheConnection() async throws {
        try slowReply()
        let c = try saas()
        var n = 0
        for try await _ in c.stream("hi") {
            n += 1
            if n == 2 { break }
        }
        XCTAssertEqual(try emu.awaitCounter("chat.disconnects", 1), 1)
        XCTAssertEqual(try emu.counter("chat.completed"), 0)
    }

    func testCancellingTheConsumingTaskClosesTheConnection() async throws {
        try slowReply()
        let c = try saas()
        let first = expectation(description: "first delta")
        let task = Task {
            var seen = false
            for try await _ in c.stream("hi") where !seen { seen = true; first.fulfill() }
        }
        await fulfillment(of: [first], timeout: 30)
        task.cancel()
        _ = await task.result
        XCTAssertEqual(try emu.awaitCounter("chat.disconnects", 1), 1)
    }

    func testCancelEndsThePullStream() async throws {
        try slowReply()
        let s = try saas().chatStream(request: .user("hi"))
        let first = try await s.next()
        XCTAssertNotNil(first)
        s.cancel()
        let after = try await s.next()
        XCTAssertNil(after)
        XCTAssertEqual(try emu.awaitCounter("chat.disconnects", 1), 1)
    }

    func testCancellingAListenerStream() async throws {
        try slowReply()
        let c = try saas()
        let first = expectation(description: "first delta")
        first.assertForOverFulfill = false
        let completed = expectation(description: "onComplete")
        let handle = try c.streamTo(.user("hi"), onDelta: { _ in first.fulfill() }, onComplete: { completed.fulfill() })
        await fulfillment(of: [first], timeout: 30)
        handle.cancel()
        await fulfillment(of: [completed], timeout: 30)
        XCTAssertEqual(try emu.awaitCounter("chat.disconnects", 1), 1)
    }

    func testErrorsAreTyped() async throws {
        let bad = await error { _ = try await self.saas("saas-cc-client", "wrong").getToken() }
        guard case .InvalidClient = bad else { return XCTFail("\(String(describing: bad))") }
        XCTAssertEqual(bad?.kind, "invalid_client")
        XCTAssertEqual(bad?.status, 401)

        let scope = await error { for try await _ in try self.saas("saas-mgmt-client", "saas-mgmt-secret").stream("hi") {} }
        guard case .InsufficientScope = scope else { return XCTFail("\(String(describing: scope))") }

        let c = try saas(maxRetries: 0)
        try emu.admin("POST", "/admin/faults", #"{"endpoint": "chat.completions", "status": 429, "headers": {"Retry-After": "7"}, "body": {"error": {"message": "slow down", "code": "rate_limited"}}}"#)
        let limited = await error { for try await _ in c.stream("hi") {} }
        guard case .RateLimited = limited else { return XCTFail("\(String(describing: limited))") }
        XCTAssertEqual(limited?.retryAfter, 7)

        try emu.admin("POST", "/admin/faults", #"{"endpoint": "chat.completions", "stream": "error_event", "after_chunks": 1}"#)
        let inStream = await error { for try await _ in c.stream("hi") {} }
        guard case .StreamError = inStream else { return XCTFail("\(String(describing: inStream))") }

        let insecure = await error { _ = try Client(provider: .agenticstar(authUrl: "http://auth.example.com"), credentials: Credentials(clientId: "a", clientSecret: "b")) }
        guard case .InsecureTransport = insecure else { return XCTFail("\(String(describing: insecure))") }
    }

    func testChatAndRawRequest() async throws {
        let c = try saas()
        let completion = try await c.chat("hi")
        XCTAssertEqual(completion.text, expected)
        let me = try await c.request(method: "GET", path: "/v1/me", jsonBody: nil)
        XCTAssertEqual(me.status, 200)
        XCTAssertTrue(String(decoding: me.body, as: UTF8.self).contains("saas-cc-client"))
    }
}

final class LockedText: @unchecked Sendable {
    private let lock = NSLock()
    private var text = ""
    func append(_ s: String) { lock.lock(); text += s; lock.unlock() }
    var value: String { lock.lock(); defer { lock.unlock() }; return text }
}
