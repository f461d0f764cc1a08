import Foundation

/// MCP (Model Context Protocol, Streamable HTTP): the core's `mcp` service under Swift names.
/// Era detection, `_meta` and routing headers, sessions and re-initialize, stream resumption,
/// paging, token renewal and typed errors all happen in the Rust core; results and stream items
/// are the protocol's JSON as text. Ending a stream's iteration early drops the call and closes
/// its connection; `shutdown()` ends a legacy session (DELETE).
public final class McpClient: ServiceBase, ServiceWrapper {
    public static let kind = "mcp"
    public static let methods = [
        "server", "session_id", "list_tools", "call_tool", "call_tool_stream", "answer", "answer_stream",
        "list_resources", "list_resource_templates", "read_resource", "list_prompts", "get_prompt", "complete",
        "ping", "send_request", "notifications", "start_recording", "recording",
    ]

    /// Connect to the endpoint `url`, detecting the era (`era` "current" / "legacy" forces one).
    public static func connect(
        _ client: Client, url: String, era: String? = nil, resource: String? = nil, bearer: Bool? = nil
    ) async throws -> McpClient {
        let options: [String: Any?] = ["url": url, "era": era, "resource": resource, "bearer": bearer]
        return McpClient(try await client.service(kind: kind, optionsJson: json(options)))
    }

    /// `{"era", "protocolVersion", "serverInfo", "capabilities", ...}`.
    public func server() async throws -> String { try await call("server") }
    /// The legacy `Mcp-Session-Id` as JSON (`null` when none).
    public func sessionId() async throws -> String { try await call("session_id") }
    /// Every tool (all pages), a JSON array.
    public func listTools() async throws -> String { try await call("list_tools") }
    /// The `CallToolResult`, or `{"resultType":"input_required",…}` to pass to `answer`.
    public func callTool(_ name: String, argumentsJson: String = "{}") async throws -> String {
        try await call("call_tool", "{\"name\":\(Self.json(name)),\"arguments\":\(argumentsJson)}")
    }
    /// `callTool` with its progress: `{"type":"progress",…}` items, then `{"type":"result","result"}`.
    public func callToolStream(_ name: String, argumentsJson: String = "{}") -> AsyncThrowingStream<String, Error> {
        open("call_tool_stream", "{\"name\":\(Self.json(name)),\"arguments\":\(argumentsJson)}")
    }
    /// Answer an input_required result with `responsesJson` keyed like its `inputRequests`.
    public func answer(_ inputJson: String, responsesJson: String = "{}") async throws -> String {
        try await call("answer", "{\"input\":\(inputJson),\"responses\":\(responsesJson)}")
    }
    public func answerStream(_ inputJson: String, responsesJson: String = "{}") -> AsyncThrowingStream<String, Error> {
        open("answer_stream", "{\"input\":\(inputJson),\"responses\":\(responsesJson)}")
    }
    public func listResources() async throws -> String { try await call("list_resources") }
    public func listResourceTemplates() async throws -> String { try await call("list_resource_templates") }
    public func readResource(_ uri: String) async throws -> String { try await call("read_resource", Self.json(["uri": uri])) }
    public func listPrompts() async throws -> String { try await call("list_prompts") }
    public func getPrompt(_ name: String, argumentsJson: String = "{}") async throws -> String {
        try await call("get_prompt", "{\"name\":\(Self.json(name)),\"arguments\":\(argumentsJson)}")
    }
    /// `completion/complete` for `refJson` (`{"type":"ref/prompt","name":…}`): `{"values",…}`.
    public func complete(_ refJson: String, argument: String, value: String, contextJson: String = "null") async throws -> String {
        let arg = Self.json(["name": argument, "value": value])
        return try await call("complete", "{\"ref\":\(refJson),\"argument\":\(arg),\"context\":\(contextJson)}")
    }
    public func ping() async throws { _ = try await call("ping") }
    /// Any other request of the server, as JSON.
    public func sendRequest(_ method: String, paramsJson: String = "{}") async throws -> String {
        try await call("send_request", "{\"jsonrpcMethod\":\(Self.json(method)),\"params\":\(paramsJson)}")
    }
    /// Change notifications `{"type":"notification","method","params"}` until the iteration ends.
    public func notifications(resourceSubscriptions: [String] = []) -> AsyncThrowingStream<String, Error> {
        open("notifications", Self.json(["resourceSubscriptions": resourceSubscriptions]))
    }
    /// Record every message from now on (see `recording()`).
    public func startRecording() async throws { _ = try await call("start_recording") }
    /// The requests sent and messages received since `startRecording()`, a JSON array.
    public func recording() async throws -> String { try await call("recording") }

    static func json(_ value: Any) -> String { A2aClient.json(value) }
}
