const { NodeTracerProvider } = require('@opentelemetry/sdk-trace-node');
const { InMemorySpanExporter, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base');
const { LoggerProvider, SimpleLogRecordProcessor, InMemoryLogRecordExporter } = require('@opentelemetry/sdk-logs');
const { OpenAIInstrumentation } = require('@opentelemetry/instrumentation-openai');
const api = require('@opentelemetry/api');
const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
provider.register();
const logExporter = new InMemoryLogRecordExporter();
const loggerProvider = new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter: logExporter })] });
const { registerInstrumentations } = require('@opentelemetry/instrumentation');
const inst = new OpenAIInstrumentation();
inst.setTracerProvider(provider);
inst.setLoggerProvider(loggerProvider);
api.logs.setGlobalLoggerProvider(loggerProvider);
registerInstrumentations({ instrumentations: [inst], loggerProvider, tracerProvider: provider });
inst.setLoggerProvider(loggerProvider);
const OpenAI = require('openai');
const fake = require('./fake.js');
(async () => {
  const server = await fake.start();
  const tracer = provider.getTracer('app');
  // The app adds the conversation id itself on a parent span: the instrumentation sets none.
  const wrap = (n, f) => tracer.startActiveSpan('turn ' + n, { attributes: { 'gen_ai.conversation.id': 'sess-1' } }, async (s) => { try { return await f(); } finally { s.end(); } });
  await fake.scenario(OpenAI.OpenAI || OpenAI, server.address().port, wrap);
  server.close();
  const logs = logExporter.getFinishedLogRecords().map((l) => ({ eventName: l.eventName, severityNumber: l.severityNumber, severityText: l.severityText,
    hrTime: l.hrTime, traceId: l.spanContext && l.spanContext.traceId, spanId: l.spanContext && l.spanContext.spanId, traceFlags: l.spanContext && l.spanContext.traceFlags,
    scope: l.instrumentationScope, attributes: l.attributes, body: l.body }));
  console.log(JSON.stringify({ spans: exporter.getFinishedSpans().map(fake.dumpSpan), logs }, null, 1));
})();
process.on('beforeExit', () => {
  if (global.__done) return; global.__done = true;
  const { JsonTraceSerializer, JsonLogsSerializer } = require('@opentelemetry/otlp-transformer');
  const fs = require('fs');
  fs.writeFileSync('./otel.otlp-traces.json', JSON.stringify(JSON.parse(Buffer.from(JsonTraceSerializer.serializeRequest(exporter.getFinishedSpans())).toString()), null, 1));
  fs.writeFileSync('./otel.otlp-logs.json', JSON.stringify(JSON.parse(Buffer.from(JsonLogsSerializer.serializeRequest(logExporter.getFinishedLogRecords())).toString()), null, 1));
});
