package jp.agenticstar

import kotlinx.coroutines.flow.Flow

/**
 * MCP (Model Context Protocol, Streamable HTTP): the core's `mcp` service under Kotlin names.
 * Era detection, `_meta` and routing headers, sessions and re-initialize, stream resumption,
 * paging, token renewal and typed errors all happen in the Rust core; results and stream items
 * are the protocol's JSON as text (parse with your JSON library). Cancelling a suspended call or
 * a stream's collector drops the call and closes its connection; [shutdown] ends a legacy session.
 *
 * ```kotlin
 * val mcp = McpClient.connect(client, "https://agent.example.com/mcp")
 * mcp.callToolStream("add", """{"a":2,"b":3}""").collect { println(it) } // progress…, then {"type":"result",…}
 * ```
 */
class McpClient(service: Service) : ServiceBase(service) {
    companion object : ServiceKind {
        override val kind = "mcp"
        override val methods = listOf(
            "server", "session_id", "list_tools", "call_tool", "call_tool_stream", "answer", "answer_stream",
            "list_resources", "list_resource_templates", "read_resource", "list_prompts", "get_prompt", "complete",
            "ping", "send_request", "notifications", "start_recording", "recording",
        )

        /**
         * Connect to the endpoint [url], detecting the era ([era] `"current"` / `"legacy"` forces
         * one). Tokens are the client's, for `mcp:all` and the RFC 8707 [resource] (default: the URL).
         */
        suspend fun connect(
            client: Client,
            url: String,
            era: String? = null,
            resource: String? = null,
            bearer: Boolean? = null,
            tokenScope: String? = null,
        ): McpClient = McpClient(
            client.service(
                "mcp",
                obj(
                    "url" to q(url), "era" to era?.let(::q), "resource" to resource?.let(::q),
                    "bearer" to bearer?.toString(), "tokenScope" to tokenScope?.let(::q),
                ),
            ),
        )
    }

    /** `{"era", "protocolVersion", "serverInfo", "capabilities", ...}`. */
    suspend fun server(): String = call("server")
    /** The legacy `Mcp-Session-Id` as JSON (`null` when none). */
    suspend fun sessionId(): String = call("session_id")
    /** Every tool (all pages), a JSON array. */
    suspend fun listTools(): String = call("list_tools")
    /** The `CallToolResult`, or `{"resultType":"input_required",…}` to pass to [answer]. */
    suspend fun callTool(name: String, argumentsJson: String = "{}"): String =
        call("call_tool", obj("name" to q(name), "arguments" to argumentsJson))
    /** [callTool] with its progress: `{"type":"progress",…}` items, then `{"type":"result","result"}`. */
    fun callToolStream(name: String, argumentsJson: String = "{}"): Flow<String> =
        open("call_tool_stream", obj("name" to q(name), "arguments" to argumentsJson))
    /** Answer an input_required result ([inputJson]) with [responsesJson] keyed like its `inputRequests`. */
    suspend fun answer(inputJson: String, responsesJson: String = "{}"): String =
        call("answer", obj("input" to inputJson, "responses" to responsesJson))
    fun answerStream(inputJson: String, responsesJson: String = "{}"): Flow<String> =
        open("answer_stream", obj("input" to inputJson, "responses" to responsesJson))
    suspend fun listResources(): String = call("list_resources")
    suspend fun listResourceTemplates(): String = call("list_resource_templates")
    suspend fun readResource(uri: String): String = call("read_resource", obj("uri" to q(uri)))
    suspend fun listPrompts(): String = call("list_prompts")
    suspend fun getPrompt(name: String, argumentsJson: String = "{}"): String =
        call("get_prompt", obj("name" to q(name), "arguments" to argumentsJson))
    /** `completion/complete` for [refJson] (`{"type":"ref/prompt","name":…}`): `{"values",…}`. */
    suspend fun complete(refJson: String, argument: String, value: String, contextJson: String? = null): String =
        call("complete", obj("ref" to refJson, "argument" to obj("name" to q(argument), "value" to q(value)), "context" to contextJson))
    suspend fun ping() { call("ping") }
    /** Any other request of the server, as JSON. */
    suspend fun sendRequest(method: String, paramsJson: String = "{}"): String =
        call("send_request", obj("jsonrpcMethod" to q(method), "params" to paramsJson))
    /** Change notifications `{"type":"notification","method","params"}` until the collector stops. */
    fun notifications(resourceSubscriptions: List<String> = emptyList()): Flow<String> =
        open("notifications", obj("resourceSubscriptions" to resourceSubscriptions.joinToString(",", "[", "]") { q(it) }))
    /** Record every message from now on (see [recording]). */
    suspend fun startRecording() { call("start_recording") }
    /** The requests sent and messages received since [startRecording], a JSON array. */
    suspend fun recording(): String = call("recording")
}
