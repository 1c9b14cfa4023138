// Tiny OpenAI-compatible fake: a tool call when tools are offered and no tool result is present, else an answer.
const http = require('http');
function start() {
  return new Promise((resolve) => {
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const p = JSON.parse(body || '{}');
        const hasTool = (p.messages || []).some((m) => m.role === 'tool');
        const toolCall = p.tools && !hasTool;
        const message = toolCall
          ? { role: 'assistant', content: null, refusal: null, tool_calls: [{ id: 'call_abc', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] }
          : { role: 'assistant', content: hasTool ? 'It is 18°C and sunny in Paris.' : 'Paris.', refusal: null };
        const out = {
          id: 'chatcmpl-' + (toolCall ? 'tool' : hasTool ? 'final' : 'plain'),
          object: 'chat.completion', created: 1767225600, model: 'gpt-4o-mini-2024-07-18',
          system_fingerprint: 'fp_123',
          choices: [{ index: 0, message, logprobs: null, finish_reason: toolCall ? 'tool_calls' : 'stop' }],
          usage: { prompt_tokens: 120, completion_tokens: 15, total_tokens: 135,
                   prompt_tokens_details: { cached_tokens: 64, audio_tokens: 0 },
                   completion_tokens_details: { reasoning_tokens: 5, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 } },
        };
        res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': 'req_1' });
        res.end(JSON.stringify(out));
      });
    });
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}
const tools = [{ type: 'function', function: { name: 'get_weather', description: 'Weather of a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } }];
async function scenario(OpenAI, port, wrap) {
  const client = new OpenAI({ apiKey: 'sk-test', baseURL: 'https://api.openai.com/v1',
    fetch: (url, init) => fetch(String(url).replace('https://api.openai.com', `http://127.0.0.1:${port}`), init) });
  wrap = wrap || ((name, f) => f());
  await wrap('a', () => client.chat.completions.create({ model: 'gpt-4o-mini', messages: [
    { role: 'system', content: 'You are terse.' }, { role: 'user', content: 'What is the capital of France?' }] }));
  const q = [{ role: 'system', content: 'You are terse.' }, { role: 'user', content: 'What is the weather in Paris?' }];
  const r = await wrap('b', () => client.chat.completions.create({ model: 'gpt-4o-mini', messages: q, tools, temperature: 0.2, max_tokens: 100 }));
  const m = r.choices[0].message;
  await wrap('c', () => client.chat.completions.create({ model: 'gpt-4o-mini', tools, messages: [...q,
    { role: 'assistant', content: null, tool_calls: m.tool_calls },
    { role: 'tool', tool_call_id: 'call_abc', content: '{"temperature_c":18,"sky":"sunny"}' }] }));
}
function attrs(a) { return a; }
function dumpSpan(s) {
  const ctx = s.spanContext();
  return { name: s.name, kind: s.kind, traceId: ctx.traceId, spanId: ctx.spanId,
    parentSpanId: s.parentSpanContext ? s.parentSpanContext.spanId : (s.parentSpanId || null),
    scope: s.instrumentationScope || s.instrumentationLibrary, status: s.status,
    attributes: s.attributes, events: s.events.map((e) => ({ name: e.name, attributes: e.attributes })) };
}
module.exports = { start, scenario, dumpSpan, tools };
