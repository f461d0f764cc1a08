// The Kotlin README's quick start, against the emulator URL given as the first argument.
// Also imports kotlinx.coroutines.flow.* next to jp.agenticstar.* as apps do.
import jp.agenticstar.*
import kotlinx.coroutines.flow.*
import kotlinx.coroutines.runBlocking

fun main(args: Array<String>) = runBlocking {
    val url = args[0]
    Client(
        Provider.agenticstar(url),
        Credentials("saas-cc-client", "saas-cc-secret"),
        ClientOptions(apiUrl = url),
    ).use { client ->
        val deltas = client.stream("Hello!").onEach { print(it.text) }.count()
        println()
        println("deltas: $deltas")
    }
}
