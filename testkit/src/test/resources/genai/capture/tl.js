const { NodeTracerProvider } = require('@opentelemetry/sdk-trace-node');
const { InMemorySpanExporter, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base');
const { OpenAIInstrumentation } = require('@traceloop/instrumentation-openai');
const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
provider.register();
const inst = new OpenAIInstrumentation({ enrichTokens: false });
inst.setTracerProvider(provider);
const OpenAI = require('openai');
inst.manuallyInstrument(OpenAI.OpenAI);
const fake = require('./fake.js');
const api = require('@opentelemetry/api');
(async () => {
  const server = await fake.start();
  // The Traceloop SDK puts association properties in the context under this key; without the SDK we set it ourselves.
  const key = api.createContextKey('association_properties');
  const wrap = (n, f) => api.context.with(api.context.active().setValue(key, { session_id: 'sess-1' }), f);
  await fake.scenario(OpenAI.OpenAI || OpenAI, server.address().port, wrap);
  server.close();
  console.log(JSON.stringify(exporter.getFinishedSpans().map(fake.dumpSpan), null, 1));
})();
process.on('beforeExit', () => {
  if (global.__done) return; global.__done = true;
  const { JsonTraceSerializer } = require('@opentelemetry/otlp-transformer');
  require('fs').writeFileSync('./tl.otlp-traces.json', JSON.stringify(JSON.parse(Buffer.from(JsonTraceSerializer.serializeRequest(exporter.getFinishedSpans())).toString()), null, 1));
});
