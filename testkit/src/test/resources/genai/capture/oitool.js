const { NodeTracerProvider } = require('@opentelemetry/sdk-trace-node');
const { InMemorySpanExporter, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base');
const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
provider.register();
const core = require('@arizeai/openinference-core');
const api = require('@opentelemetry/api');
const getWeather = core.traceTool(async function get_weather(args) { return { temperature_c: 18, sky: 'sunny' }; }, { name: 'get_weather' });
const agent = core.traceAgent(async function weather_agent(q) { await getWeather({ city: 'Paris' }); return 'It is 18°C and sunny in Paris.'; }, { name: 'weather_agent' });
(async () => {
  await api.context.with(core.setSession(api.context.active(), { sessionId: 'sess-1' }), () => agent('What is the weather in Paris?'));
  for (const s of exporter.getFinishedSpans()) console.log(JSON.stringify(require('./fake.js').dumpSpan(s), null, 1));
})();
