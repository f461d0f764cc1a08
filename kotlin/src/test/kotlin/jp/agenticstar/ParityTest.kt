package jp.agenticstar

import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import org.json.JSONArray
import org.json.JSONObject
import org.junit.jupiter.api.Test
import java.io.File
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertTrue
import kotlin.test.fail

/** The language-neutral vectors in ../testdata, exactly as the Rust, Python and Node suites run them. */
class ParityTest {
    private fun cases(name: String): List<JSONObject> {
        val arr = JSONObject(File("../testdata/$name").readText()).getJSONArray("cases")
        return (0 until arr.length()).map { arr.getJSONObject(it) }
    }

    private fun JSONObject.optStr(key: String): String? = if (isNull(key)) null else getString(key)
    private fun JSONObject.optLongOrNull(key: String): Long? = if (isNull(key)) null else getLong(key)

    private fun hex(s: String) = ByteArray(s.length / 2) { s.substring(it * 2, it * 2 + 2).toInt(16).toByte() }

    private fun details(e: AgenticStarException) = e.details()

    @Test fun sse() {
        for (c in cases("sse.json")) {
            val chunks: List<ByteArray> = if (c.has("hex_chunks")) c.getJSONArray("hex_chunks").mapTyped { hex(it as String) }
                else c.getJSONArray("chunks").mapTyped { (it as String).toByteArray() }
            val out = sseDecode(chunks)
            val want = c.getJSONArray("events")
            assertEquals(want.length(), out.events.size, c.getString("name"))
            out.events.forEachIndexed { i, e ->
                val w = want.getJSONObject(i)
                assertEquals(Triple(w.getString("event"), w.getString("data"), w.getString("id")), Triple(e.event, e.data, e.id), c.getString("name"))
            }
            assertEquals(c.optLongOrNull("retry")?.toULong(), out.retry, c.getString("name"))
        }
    }

    @Test fun tokens() {
        for (c in cases("tokens.json")) {
            val name = c.getString("name")
            val run = { parseTokenResponse(c.getString("dialect"), c.getInt("status").toUShort(), c.getString("body").toByteArray()) }
            if (c.has("expect")) {
                val w = c.getJSONObject("expect")
                val t = run()
                assertEquals(w.getString("access_token"), t.accessToken, name)
                assertEquals(w.getString("token_type"), t.tokenType, name)
                assertEquals(w.optLongOrNull("expires_in")?.toULong(), t.expiresIn, name)
                assertEquals(w.optStr("refresh_token"), t.refreshToken, name)
                assertEquals(w.optStr("id_token"), t.idToken, name)
                assertEquals(w.optStr("scope"), t.scope, name)
            } else {
                val w = c.getJSONObject("error")
                val d = details(assertFailsWith<AgenticStarException>(name) { run() })
                assertEquals(w.getString("kind"), d.kind, name)
                assertEquals(w.getInt("status"), d.status, name)
                assertEquals(w.optStr("code"), d.code, name)
                assertEquals(w.optStr("code_reason"), d.codeReason, name)
            }
        }
    }

    @Test fun chat() {
        for (c in cases("chat.json")) {
            val name = c.getString("name")
            val run = { decodeChatEvent(c.getString("event"), c.getString("data")) }
            if (c.has("expect")) {
                val w = c.getJSONObject("expect")
                val d = run()
                if (w.optBoolean("done")) { assertEquals(null, d, name); continue }
                d ?: fail("$name: expected a chunk")
                assertEquals(w.getString("text"), d.text, name)
                assertEquals(w.optStr("role"), d.choices.firstOrNull()?.role, name)
                assertEquals(w.optStr("finish_reason"), d.finishReason, name)
            } else {
                val w = c.getJSONObject("error")
                val d = details(assertFailsWith<AgenticStarException>(name) { run() })
                assertEquals(w.getString("kind"), d.kind, name)
                assertEquals(w.optStr("code"), d.code, name)
            }
        }
    }

    @Test fun callbacks() {
        for (c in cases("callbacks.json")) {
            val name = c.getString("name")
            val run = { parseCallback(c.getString("state"), c.getString("callback")) }
            if (c.has("expect")) {
                assertEquals(c.getJSONObject("expect").getString("code"), run(), name)
            } else {
                val w = c.getJSONObject("error")
                val d = details(assertFailsWith<AgenticStarException>(name) { run() })
                assertEquals(w.getString("kind"), d.kind, name)
                assertEquals(w.optStr("code"), d.code, name)
            }
        }
    }

    @Test fun scopes() {
        for (c in cases("scopes.json")) {
            val g = c.getString("granted")
            for (a in c.getJSONArray("allows")) assertTrue(scopesAllow(g, a as String), "$g allows $a")
            for (d in c.getJSONArray("denies")) assertTrue(!scopesAllow(g, d as String), "$g denies $d")
        }
    }

    /** A wire-shaped message as the typed record users build. */
    private fun message(m: JSONObject): Message {
        fun part(p: JSONObject): ContentPart = when (p.getString("type")) {
            "text" -> ContentPart.Text(p.getString("text"))
            "image_url" -> p.getJSONObject("image_url").let { ContentPart.ImageUrl(it.getString("url"), it.optStr("detail")) }
            "input_audio" -> p.getJSONObject("input_audio").let { ContentPart.InputAudio(it.getString("data"), it.getString("format")) }
            "refusal" -> ContentPart.Refusal(p.getString("refusal"))
            else -> fail("part type ${p.getString("type")}")
        }
        val content = when (val c = m.opt("content")) {
            null, JSONObject.NULL -> null
            is String -> Content.Text(c)
            is JSONArray -> Content.Parts(c.mapTyped { part(it as JSONObject) })
            else -> fail("content $c")
        }
        val calls = m.optJSONArray("tool_calls")?.mapTyped {
            val f = (it as JSONObject).getJSONObject("function")
            ToolCall(it.getString("id"), f.getString("name"), f.getString("arguments"))
        }
        return Message(Role.valueOf(m.getString("role").uppercase()), content, m.optStr("name"), calls, m.optStr("tool_call_id"))
    }

    @Test fun `chat request vectors give the same bytes on the wire as every other language`() = Emulator().use { emu ->
        val client = Client(Provider.agenticstar(emu.url), Credentials("saas-cc-client", "saas-cc-secret"), ClientOptions(apiUrl = emu.url), null)
        client.use { c ->
            for (case in cases("chat_requests.json")) {
                val name = case.getString("name")
                val req = JSONObject(case.getJSONObject("request").toString())
                val messages = (req.remove("messages") as JSONArray).mapTyped { message(it as JSONObject) }
                val model = req.remove("model") as String?
                val request = ChatRequest(messages, model, if (req.isEmpty) null else req.toString())
                val sent = emu.requests("chat.completions").length()
                if (case.has("body")) {
                    runBlocking { c.stream(request).toList() }
                    val recorded = emu.requests("chat.completions")
                    assertEquals(sent + 1, recorded.length(), name)
                    assertEquals(case.getString("body"), recorded.getJSONObject(sent).getString("body"), name)
                } else {
                    val e = assertFailsWith<AgenticStarException>(name) { runBlocking { c.stream(request).toList() } }
                    assertEquals(case.getJSONObject("error").getString("kind"), e.details().kind, name)
                    assertEquals(sent, emu.requests("chat.completions").length(), name)
                }
            }
        }
    }

    @Test fun `a panic in Rust becomes an exception and the JVM lives on`() {
        val e = assertFailsWith<InternalException> { debugPanic("forced panic at the FFI boundary") }
        assertTrue(e.message.orEmpty().contains("forced panic"), e.message)
        // The library still works afterwards.
        assertTrue(scopesAllow("chat:all", "chat:exec"))
    }
}

private fun <T> JSONArray.mapTyped(f: (Any) -> T): List<T> = (0 until length()).map { f(get(it)) }
