const { NodeTracerProvider } = require('@opentelemetry/sdk-trace-node');
const { InMemorySpanExporter, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base');
const { OpenAIInstrumentation } = require('@arizeai/openinference-instrumentation-openai');
const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
provider.register();
const inst = new OpenAIInstrumentation();
inst.setTracerProvider(provider);
const OpenAI = require('openai');
inst.manuallyInstrument(OpenAI);
const fake = require('./fake.js');
const core = require('@arizeai/openinference-core');
const api = require('@opentelemetry/api');
(async () => {
  const server = await fake.start();
  const wrap = (n, f) => api.context.with(core.setSession(api.context.active(), { sessionId: 'sess-1' }), f);
  await fake.scenario(OpenAI.OpenAI || OpenAI, server.address().port, wrap);
  server.close();
  console.log(JSON.stringify(exporter.getFinishedSpans().map(fake.dumpSpan), null, 1));
})();
process.on('beforeExit', () => {
  if (global.__done) return; global.__done = true;
  const { JsonTraceSerializer } = require('@opentelemetry/otlp-transformer');
  require('fs').writeFileSync('./oi.otlp-traces.json', JSON.stringify(JSON.parse(Buffer.from(JsonTraceSerializer.serializeRequest(exporter.getFinishedSpans())).toString()), null, 1));
});
