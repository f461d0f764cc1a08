package jp.agenticstar

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.json.JSONArray
import org.json.JSONObject
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertTrue

/** MCP end to end against the emulator's /mcp (both eras) over real HTTP. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class McpTest {
    private lateinit var emu: Emulator

    @BeforeAll fun start() { emu = Emulator() }
    @AfterAll fun stop() { emu.close() }

    private fun test(body: suspend CoroutineScope.() -> Unit) = runBlocking { withTimeout(60_000) { body() } }
    private fun client() = Client(Provider.agenticstar(emu.url), Credentials("saas-agent-client", "saas-agent-secret"), ClientOptions(apiUrl = emu.url))
    private fun mcpRequests() = JSONArray(emu.admin("GET", "/admin/requests?endpoint=mcp")).let { a -> (0 until a.length()).map { a.getJSONObject(it) } }

    @Test fun `current era - tools, progress flow, input_required answered, resource, prompt`() = test {
        emu.reset()
        client().use { c ->
            McpClient.connect(c, "${emu.url}/mcp").use { mcp ->
                assertEquals("current", JSONObject(mcp.server()).getString("era"))
                assertEquals("null", mcp.sessionId())
                val tools = JSONArray(mcp.listTools())
                assertTrue((0 until tools.length()).any { tools.getJSONObject(it).getString("name") == "add" })

                val items = mcp.callToolStream("progress", """{"steps":3}""").toList().map(::JSONObject)
                assertEquals(listOf("progress", "progress", "progress", "result"), items.map { it.getString("type") })
                assertEquals(listOf(1.0, 2.0, 3.0), items.dropLast(1).map { it.getDouble("progress") })
                val add = JSONObject(mcp.callTool("add", """{"a":2,"b":3}"""))
                assertEquals(5, add.getJSONObject("structuredContent").getInt("result"))

                val ir = mcp.callTool("confirm")
                assertEquals("input_required", JSONObject(ir).getString("resultType"))
                val done = JSONObject(mcp.answer(ir, """{"confirm":{"action":"accept","content":{}}}"""))
                assertEquals("confirmed", done.getJSONArray("content").getJSONObject(0).getString("text"))

                val read = JSONObject(mcp.readResource("emulator://echo/日本"))
                assertEquals("日本", read.getJSONArray("contents").getJSONObject(0).getString("text"))
                val prompt = JSONObject(mcp.getPrompt("greet", """{"name":"Alice"}"""))
                assertTrue(prompt.getJSONArray("messages").getJSONObject(0).getJSONObject("content").getString("text").contains("Alice"))
                val completion = JSONObject(mcp.complete("""{"type":"ref/prompt","name":"greet"}""", "name", "B"))
                assertEquals("""["Bob"]""", completion.getJSONArray("values").toString())
            }
        }
        assertTrue(mcpRequests().none { it.optJSONObject("json")?.optString("method") == "initialize" })
    }

    @Test fun `legacy era - resumed stream, DELETE on shutdown, typed unauthorized`() = test {
        emu.reset()
        client().use { c ->
            McpClient.connect(c, "${emu.url}/mcp", era = "legacy").use { mcp ->
                assertEquals("legacy", JSONObject(mcp.server()).getString("era"))
                val r = JSONObject(mcp.callTool("resumable"))
                assertEquals("resumed", r.getJSONArray("content").getJSONObject(0).getString("text"))
                assertEquals(1, mcpRequests().count { it.getString("method") == "GET" }, "one resumption")
                mcp.shutdown()
                assertEquals("DELETE", mcpRequests().last().getString("method"))
            }
            val e = assertFailsWith<AgenticStarException> {
                McpClient.connect(c, "${emu.url}/mcp", resource = "https://other.example/mcp")
            }
            assertEquals("unauthorized", e.kind)
            assertTrue(JSONObject(e.detailsJson!!).getString("resourceMetadata").endsWith("/.well-known/oauth-protected-resource/mcp"))
        }
    }

    @Test fun `a server that accepts only the newest token - one refresh and one retry per call, no loop`() = test {
        emu.reset()
        emu.config("""{"newest_token_only":true}""")
        // Two instances of the application take turns invalidating each other's token.
        client().use { a ->
            client().use { b ->
                McpClient.connect(a, "${emu.url}/mcp").use { ma ->
                    McpClient.connect(b, "${emu.url}/mcp").use { mb ->
                        repeat(3) { i ->
                            for (m in listOf(ma, mb)) {
                                val (tokens, posts) = emu.counter("saas.token") to emu.counter("mcp")
                                val r = JSONObject(m.callTool("add", """{"a":$i,"b":1}"""))
                                assertEquals(i + 1, r.getJSONObject("structuredContent").getInt("result"))
                                assertEquals(1L to 2L, (emu.counter("saas.token") - tokens) to (emu.counter("mcp") - posts))
                            }
                        }
                    }
                }
            }
        }
    }
}
