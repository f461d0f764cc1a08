// Compiled by run-tests.sh with `tsc --strict`: each `@ts-expect-error` line must fail to compile,
// or tsc reports the directive as unused and the suite fails. The other lines must compile.
import type {
  ChatCompletionChunk,
  ChatCompletionCreateParams,
  ChatCompletionMessageParam,
  ChatChunk,
  ChatRequest,
  Client,
  McpClient,
  RawResult,
  Tool,
} from 'agenticstar';

const messages: ChatCompletionMessageParam[] = [{ role: 'user', content: 'hi' }];
export const ok: ChatRequest = { messages, temperature: 0.5, max_tokens: 10, top_p: 1, stop: ['\n'], seed: 1 };
export const alias: ChatCompletionCreateParams = ok;
export const chunk = (c: ChatChunk): ChatCompletionChunk => c;

// @ts-expect-error a misspelled request field
export const typo: ChatRequest = { messages, temprature: 0.5 };
// @ts-expect-error a parameter of the wrong type
export const wrongType: ChatRequest = { messages, max_tokens: '10' };
// @ts-expect-error a role the wire does not know
export const badRole: ChatRequest = { messages: [{ role: 'robot', content: 'hi' }] };

export async function calls(client: Client): Promise<void> {
  await client.chat.create({ messages, temperature: 0 });
  // Fields the type does not list go in the per-call extraBody.
  await client.chat.create({ messages }, { extraBody: { vendor_flag: true } });
  // @ts-expect-error a misspelled field in a call
  await client.chat.create({ messages, maxTokens: 5 });
  // @ts-expect-error messages are required
  client.chat.stream({ temperature: 0 });
}

// A service call's raw result keeps the method's own result type; streams have none.
export async function rawResults(mcp: McpClient): Promise<number> {
  const raw: RawResult<Tool[]> = await mcp.withRawResponse.listTools();
  // @ts-expect-error the data is the method's result type, not any
  const wrong: string = raw.data;
  // @ts-expect-error a misspelled per-call option
  await mcp.ping({ maxRetry: 0 });
  return raw.data.length + (raw.response?.status ?? 0) + wrong.length;
}
