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
}
