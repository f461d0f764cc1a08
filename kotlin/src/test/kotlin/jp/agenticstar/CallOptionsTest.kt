package jp.agenticstar

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertFalse
import kotlin.test.assertNotNull
import kotlin.test.assertTrue

/** Raw responses (request id and headers on results and errors) and per-call options. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CallOptionsTest {
    private lateinit var emu: Emulator

    @BeforeAll fun start() { emu = Emulator() }
    @AfterAll fun stop() { emu.close() }
    @BeforeEach fun reset() { emu.reset() }

    /** Deadlines only keep a broken build from hanging the suite; nothing asserts on time. */
    private fun test(body: suspend CoroutineScope.() -> Unit) = runBlocking { withTimeout(60_000) { body() } }

    private fun saas(options: ClientOptions = ClientOptions()) =
        Client(Provider.agenticstar(emu.url), Credentials("saas-cc-client", "saas-cc-secret"), options.copy(apiUrl = emu.url))

    private fun isEmulatorId(id: String?) = id != null && id.startsWith("req_") && id.length > 4
    private val busy = """{"endpoint": "chat.completions", "status": 503, "times": 1, "body": {"error": {"message": "busy"}}}"""

    @Test fun `results and errors carry the request id and headers`() = test {
        saas().use { c ->
            val done = c.chat(ChatRequest.user("hi"))
            val r = assertNotNull(done.response)
            assertEquals(200, r.status)
            assertTrue(isEmulatorId(r.requestId), r.toString())
            assertEquals(r.requestId, r.headers["x-request-id"])

            c.chatStream(ChatRequest.user("hi")).use { s ->
                assertNotNull(s.next())
                assertTrue(isEmulatorId(s.response()?.requestId))
            }
            assertTrue(isEmulatorId(c.request("GET", "/v1/models").response.requestId))

            emu.fault("""{"endpoint": "chat.completions", "status": 429, "times": 4,
                "headers": {"Retry-After": "0", "X-RateLimit-Remaining": "0", "Set-Cookie": "sid=s3cret-cookie"},
                "body": {"error": {"message": "slow down"}}}""")
            val e = assertFailsWith<AgenticStarException.RateLimited> { c.chat(ChatRequest.user("hi")) }
            assertTrue(isEmulatorId(e.requestId), e.toString())
            assertEquals("0", e.headers["x-ratelimit-remaining"])
            assertEquals("***", e.headers["set-cookie"])
            assertFalse("s3cret" in e.toString())
        }
    }

    @Test fun `per-call maxRetries and timeout win, withOptions shares the token`() = test {
        saas(ClientOptions(maxRetries = 3, initialBackoff = 0.01)).use { c ->
            emu.fault(busy)
            assertFailsWith<AgenticStarException.ServerException> { c.chat(ChatRequest.user("hi"), RequestOptions(maxRetries = 0)) }
            assertEquals(1, emu.counter("chat.completions"))
            emu.fault(busy)
            c.chat(ChatRequest.user("hi")) // the client's retries
            assertEquals(3, emu.counter("chat.completions"))

            emu.fault("""{"endpoint": "chat.completions", "delay_ms": 3000}""")
            assertFailsWith<AgenticStarException.Timeout> {
                c.chat(ChatRequest.user("hi"), RequestOptions(timeout = 0.2, maxRetries = 0))
            }
            assertFailsWith<AgenticStarException.Config> { c.request("GET", "/v1/models", null, RequestOptions(timeout = Double.NaN)) }

            c.withOptions(RequestOptions(maxRetries = 0, extraHeaders = mapOf("X-Tenant" to "t1"))).use { strict ->
                strict.chat(ChatRequest.user("b"))
                assertEquals(1, emu.counter("saas.token"), "both clients share one token")
                assertEquals("t1", emu.requests("chat.completions").getJSONObject(4).getJSONObject("headers").getString("x-tenant"))
                emu.fault(busy)
                assertFailsWith<AgenticStarException.ServerException> { strict.chat(ChatRequest.user("c")) }
            }
        }
    }

    @Test fun `service calls give their answer and take per-call options`() = test {
        Client(Provider.agenticstar(emu.url), Credentials("saas-agent-client", "saas-agent-secret"), ClientOptions(apiUrl = emu.url)).use { c ->
            val mcp = McpClient.connect(c, "${emu.url}/mcp")
            val raw = mcp.withRawResponse { listTools() }
            assertTrue("\"add\"" in raw.data)
            assertEquals(200, raw.response?.status)
            assertTrue(isEmulatorId(raw.response?.requestId), raw.toString())
            assertEquals(null, mcp.withRawResponse { recording() }.response, "a method that sends nothing")

            // A 503 is retried by default, not with maxRetries = 0; the error carries its answer.
            val mcpBusy = """{"endpoint": "mcp", "status": 503, "times": 1, "headers": {"Retry-After": "0"}, "body": {"error": "busy"}}"""
            emu.fault(mcpBusy)
            val before = emu.counter("mcp")
            val e = assertFailsWith<AgenticStarException.ServerException> { mcp.withOptions(RequestOptions(maxRetries = 0)).ping() }
            assertTrue(isEmulatorId(e.requestId), e.toString())
            assertEquals(1, emu.counter("mcp") - before)
            emu.fault(mcpBusy)
            mcp.ping()
            assertEquals(3, emu.counter("mcp") - before)

            emu.fault("""{"endpoint": "mcp", "delay_ms": 3000}""")
            assertFailsWith<AgenticStarException.Timeout> { mcp.withOptions(RequestOptions(timeout = 0.2)).ping() }

            // Headers, query and params reach the server, in calls and streams; nested blocks merge.
            mcp.withOptions(RequestOptions(extraHeaders = mapOf("X-Custom" to "kt"), extraQuery = mapOf("trace" to "1"))).run {
                withOptions(RequestOptions(extraBodyJson = """{"traceTag":"t1"}""")).callTool("add", """{"a":2,"b":3}""")
                val last = emu.requests("mcp").let { it.getJSONObject(it.length() - 1) }
                assertEquals("kt", last.getJSONObject("headers").getString("x-custom"))
                assertEquals("1", last.getJSONObject("query").getString("trace"))
                assertEquals("t1", last.getJSONObject("json").getJSONObject("params").getString("traceTag"))
                callToolStream("add", """{"a":1,"b":1}""").collect {}
                assertEquals("kt", emu.requests("mcp").let { it.getJSONObject(it.length() - 1) }.getJSONObject("headers").getString("x-custom"))
            }
            mcp.ping()
            assertFalse(emu.requests("mcp").let { it.getJSONObject(it.length() - 1) }.getJSONObject("headers").has("x-custom"))
            assertFailsWith<AgenticStarException.Config> { mcp.withOptions(RequestOptions(timeout = -1.0)).recording() }
            mcp.withOptions(RequestOptions(maxRetries = 1)).close() // a view frees nothing
            mcp.ping()

            val a2a = A2aClient.fromCard(c, emu.url)
            assertTrue(isEmulatorId(a2a.withRawResponse { sendMessage("hi") }.response?.requestId))
            mcp.shutdown()
        }
    }
}
