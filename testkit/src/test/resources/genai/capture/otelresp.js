const http = require('http');
const { NodeTracerProvider } = require('@opentelemetry/sdk-trace-node');
const { InMemorySpanExporter, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base');
const { LoggerProvider, SimpleLogRecordProcessor, InMemoryLogRecordExporter } = require('@opentelemetry/sdk-logs');
const { OpenAIInstrumentation } = require('@opentelemetry/instrumentation-openai');
const { registerInstrumentations } = require('@opentelemetry/instrumentation');
const api = require('@opentelemetry/api');
const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
provider.register();
const logExporter = new InMemoryLogRecordExporter();
const loggerProvider = new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter: logExporter })] });
api.logs.setGlobalLoggerProvider(loggerProvider);
const inst = new OpenAIInstrumentation();
registerInstrumentations({ instrumentations: [inst], loggerProvider, tracerProvider: provider });
inst.setLoggerProvider(loggerProvider);
const OpenAI = require('openai');
const usage = { input_tokens: 120, output_tokens: 15, total_tokens: 135, input_tokens_details: { cached_tokens: 64 }, output_tokens_details: { reasoning_tokens: 5 } };
const server = http.createServer((req, res) => { let b = ''; req.on('data', (c) => (b += c)); req.on('end', () => {
  const p = JSON.parse(b); const hasOut = Array.isArray(p.input) && p.input.some((i) => i.type === 'function_call_output');
  const output = p.tools && !hasOut
    ? [{ type: 'function_call', id: 'fc_call_abc', call_id: 'call_abc', name: 'get_weather', arguments: '{"city":"Paris"}', status: 'completed' }]
    : [{ type: 'message', id: 'msg_1', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: hasOut ? 'It is 18°C and sunny in Paris.' : 'Paris.', annotations: [] }] }];
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ id: 'resp_1', object: 'response', created_at: 1767225600, status: 'completed', model: 'gpt-4o-mini-2024-07-18', output, usage }));
}); });
server.listen(0, '127.0.0.1', async () => {
  const client = new OpenAI.OpenAI({ apiKey: 'sk-test', baseURL: `http://127.0.0.1:${server.address().port}/v1` });
  const tools = [{ type: 'function', name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } }];
  await client.responses.create({ model: 'gpt-4o-mini', instructions: 'You are terse.', input: 'What is the capital of France?' });
  const q = [{ role: 'user', content: 'What is the weather in Paris?' }];
  await client.responses.create({ model: 'gpt-4o-mini', instructions: 'You are terse.', input: q, tools });
  await client.responses.create({ model: 'gpt-4o-mini', instructions: 'You are terse.', tools, input: [...q,
    { type: 'function_call', call_id: 'call_abc', name: 'get_weather', arguments: '{"city":"Paris"}' },
    { type: 'function_call_output', call_id: 'call_abc', output: '{"temperature_c":18,"sky":"sunny"}' }] });
  server.close();
  setTimeout(() => {
    const { JsonTraceSerializer, JsonLogsSerializer } = require('@opentelemetry/otlp-transformer');
    const fs = require('fs');
    fs.writeFileSync('./otelresp.otlp-traces.json', JSON.stringify(JSON.parse(Buffer.from(JsonTraceSerializer.serializeRequest(exporter.getFinishedSpans())).toString()), null, 1));
    fs.writeFileSync('./otelresp.otlp-logs.json', JSON.stringify(JSON.parse(Buffer.from(JsonLogsSerializer.serializeRequest(logExporter.getFinishedLogRecords())).toString()), null, 1));
  }, 100);
});
