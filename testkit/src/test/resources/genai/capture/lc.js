const { NodeTracerProvider } = require('@opentelemetry/sdk-trace-node');
const { InMemorySpanExporter, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base');
const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
provider.register();
const { LangChainInstrumentation } = require('@arizeai/openinference-instrumentation-langchain');
const CallbackManagerModule = require('@langchain/core/callbacks/manager');
const lcInst = new LangChainInstrumentation(); lcInst.setTracerProvider(provider);
lcInst.manuallyInstrument(CallbackManagerModule);
const { OpenAIInstrumentation } = require('@arizeai/openinference-instrumentation-openai');
const oiInst = new OpenAIInstrumentation(); oiInst.setTracerProvider(provider);
const OpenAI = require('openai'); oiInst.manuallyInstrument(OpenAI);
const { ChatOpenAI } = require('@langchain/openai');
const { tool } = require('@langchain/core/tools');
const fake = require('./fake.js');
(async () => {
  const server = await fake.start();
  const port = server.address().port;
  const model = new ChatOpenAI({ model: 'gpt-4o-mini', apiKey: 'sk-test', configuration: { baseURL: 'https://api.openai.com/v1',
    fetch: (url, init) => fetch(String(url).replace('https://api.openai.com', `http://127.0.0.1:${port}`), init) } });
  const getWeather = tool(async ({ city }) => JSON.stringify({ temperature_c: 18, sky: 'sunny' }), { name: 'get_weather', description: 'Weather of a city',
    schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } });
  const cfg = { metadata: { session_id: 'sess-1' } };
  const withTools = model.bindTools([getWeather]);
  const q = [{ role: 'system', content: 'You are terse.' }, { role: 'user', content: 'What is the weather in Paris?' }];
  const ai = await withTools.invoke(q, cfg);
  const toolMsg = await getWeather.invoke(ai.tool_calls[0], cfg);
  await withTools.invoke([...q, ai, toolMsg], cfg);
  server.close();
  const spans = exporter.getFinishedSpans();
  for (const s of spans) console.log(JSON.stringify(fake.dumpSpan(s)));
  const { JsonTraceSerializer } = require('@opentelemetry/otlp-transformer');
  require('fs').writeFileSync('./lc.otlp-traces.json', JSON.stringify(JSON.parse(Buffer.from(JsonTraceSerializer.serializeRequest(spans)).toString()), null, 1));
})();
