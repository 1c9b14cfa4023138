const traceloop = require('@traceloop/node-server-sdk');
const { InMemorySpanExporter } = require('@opentelemetry/sdk-trace-base');
const OpenAI = require('openai');
const fake = require('./fake.js');
const exporter = new InMemorySpanExporter();
traceloop.initialize({ appName: 'chat-app', exporter, disableBatch: true, silenceInitializationMessage: true,
  instrumentModules: { openAI: OpenAI.OpenAI }, apiKey: 'x', baseUrl: 'http://127.0.0.1:1' });
(async () => {
  const server = await fake.start();
  const client = new OpenAI.OpenAI({ apiKey: 'sk-test', baseURL: `http://127.0.0.1:${server.address().port}/v1` });
  await traceloop.withWorkflow({ name: 'weather_chat', associationProperties: { session_id: 'sess-1', user_id: 'u-1' } }, async () => {
    const q = [{ role: 'user', content: 'What is the weather in Paris?' }];
    const r = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: q, tools: fake.tools });
    const tc = r.choices[0].message.tool_calls[0];
    const result = await traceloop.withTool({ name: 'get_weather' }, (args) => ({ temperature_c: 18, sky: 'sunny' }), JSON.parse(tc.function.arguments));
    await client.chat.completions.create({ model: 'gpt-4o-mini', tools: fake.tools, messages: [...q, r.choices[0].message,
      { role: 'tool', tool_call_id: tc.id, content: JSON.stringify(result) }] });
    return 'It is 18°C and sunny in Paris.';
  });
  await traceloop.withConversation('conv-1', async () => traceloop.withTask({ name: 'plain' }, () => client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })));
  server.close();
  const { JsonTraceSerializer } = require('@opentelemetry/otlp-transformer');
  const spans = exporter.getFinishedSpans();
  console.log(JSON.stringify(spans.map(fake.dumpSpan), null, 1));
  require('fs').writeFileSync('./tlsdk.otlp-traces.json', JSON.stringify(JSON.parse(Buffer.from(JsonTraceSerializer.serializeRequest(spans)).toString()), null, 1));
})();
