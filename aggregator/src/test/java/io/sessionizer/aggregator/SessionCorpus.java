package io.sessionizer.aggregator;

import static io.sessionizer.testing.OtlpTraces.attr;
import static io.sessionizer.testing.OtlpTraces.attribute;
import static io.sessionizer.testing.OtlpTraces.span;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import io.sessionizer.testing.KafkaTestCluster;
import io.sessionizer.testing.OtlpTraces;
import io.sessionizer.testing.SessionsApiClient;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Sessions with varied projects, users, models, tags, metadata, tokens, costs, errors and times, produced to a spans
 * topic as OTLP, and the answers DESIGN.md's "REST API" owes about them, computed by brute force from what was sent:
 * every filter, every sort in both orders with the cursor walked to the end, every facet field, and the stats totals
 * and buckets. The integration tests ask real aggregators the same and compare.
 */
final class SessionCorpus {
    /** The time of the first session: {@link OtlpTraces#T0_MICROS}. */
    static final Instant T0 = Instant.EPOCH.plus(OtlpTraces.T0_MICROS, ChronoUnit.MICROS);
    private static final List<String> PROJECTS = List.of("alpha", "beta", "gamma");
    private static final List<String> USERS = List.of("u-ann", "u-bob", "u-cy");
    private static final List<String> MODELS = List.of("gpt-4o", "claude-3", "llama-3");
    private static final List<String> TAGS = List.of("vip", "beta-test", "internal");
    private static final List<String> TIERS = List.of("gold", "silver", "bronze");
    private static final List<String> WORDS = List.of("apple", "banana", "cherry", "delta", "echo", "foxtrot",
            "golf", "hotel");
    private static final List<String> SORTS = List.of("end_time", "start_time", "cost", "tokens", "turns",
            "duration", "errors");
    private static final List<String> FACET_FIELDS = List.of("project", "model", "user_id", "status", "tag",
            "metadata.env", "metadata.customer.tier", "metadata.n", "metadata.flag", "metadata.step");
    private static final Pattern PHRASES = Pattern.compile("\"([^\"]*)\"?");
    private static final Pattern WORD = Pattern.compile("[\\p{L}\\p{N}]+");
    private static final int FACET_VALUES = 20;

    private final List<Sent> sessions;

    /** One query parameter; a list of them may repeat a name. */
    record Param(String name, String value) {
        @Override
        public String toString() {
            return name + "=" + value;
        }
    }

    /** A turn as sent: one trace. */
    record SentTurn(int trace, long startMicros, long endMicros, String project, String input, String output,
            boolean error, String model, long promptTokens, long completionTokens, double promptCost,
            double completionCost, int spans, List<String> tags, String metadataJson) {
        double totalCost() {
            return promptCost + completionCost;
        }
    }

    /** A session as sent, and what its summary must say. */
    record Sent(String id, String userId, List<SentTurn> turns, Map<String, String> metadata) {
        long start() {
            return turns.stream().mapToLong(SentTurn::startMicros).min().orElseThrow();
        }

        long end() {
            return turns.stream().mapToLong(SentTurn::endMicros).max().orElseThrow();
        }

        Set<String> projects() {
            return turns.stream().map(SentTurn::project).collect(Collectors.toCollection(LinkedHashSet::new));
        }

        Set<String> models() {
            return turns.stream().map(SentTurn::model).filter(m -> m != null)
                    .collect(Collectors.toCollection(LinkedHashSet::new));
        }

        Set<String> tags() {
            return turns.stream().flatMap(t -> t.tags().stream()).collect(Collectors.toCollection(LinkedHashSet::new));
        }

        long errors() {
            return turns.stream().filter(SentTurn::error).count();
        }

        long spans() {
            return turns.stream().mapToLong(SentTurn::spans).sum();
        }

        long llmCalls() {
            return turns.stream().filter(t -> t.model() != null).count();
        }

        long promptTokens() {
            return turns.stream().mapToLong(SentTurn::promptTokens).sum();
        }

        long completionTokens() {
            return turns.stream().mapToLong(SentTurn::completionTokens).sum();
        }

        long tokens() {
            return promptTokens() + completionTokens();
        }

        double promptCost() {
            return turns.stream().mapToDouble(SentTurn::promptCost).sum();
        }

        double completionCost() {
            return turns.stream().mapToDouble(SentTurn::completionCost).sum();
        }

        double cost() {
            return turns.stream().mapToDouble(SentTurn::totalCost).sum();
        }
    }

    private SessionCorpus(List<Sent> sessions) {
        this.sessions = List.copyOf(sessions);
    }

    /**
     * {@code count} sessions {@code c-01}, {@code c-02}...: one to three turns each, some sharing a start time, some
     * over two projects, some without a user or a model call; costs are multiples of 1/128 so that every sum is
     * exact whatever the order it is added in.
     */
    static SessionCorpus of(int count, long seed) {
        Random random = new Random(seed);
        List<Sent> sessions = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            String id = String.format(Locale.ROOT, "c-%02d", i);
            String user = i % 4 == 0 ? null : USERS.get(i % 4 - 1);
            String project = PROJECTS.get(random.nextInt(PROJECTS.size()));
            // Sessions 2k and 2k+1 start at the same microsecond: ties that the session key must break.
            long base = (i / 2) * Duration.ofMinutes(4).toNanos() / 1000;
            int turnCount = 1 + i % 3;
            Map<String, String> metadata = new TreeMap<>();
            String env = random.nextBoolean() ? "prod" : "dev";
            String tier = TIERS.get(random.nextInt(TIERS.size()));
            int n = random.nextInt(3);
            boolean flag = random.nextBoolean();
            metadata.putAll(Map.of("env", env, "customer.tier", tier, "n", Integer.toString(n),
                    "flag", Boolean.toString(flag)));
            List<SentTurn> turns = new ArrayList<>();
            for (int t = 0; t < turnCount; t++) {
                long start = base + t * 90_000_000L;
                long end = start + (2 + random.nextInt(20)) * 1_000_000L;
                String input = "question " + word(random) + " " + word(random)
                        + (i == 5 && t == 1 ? " rare phrase" : "") + (i == 9 ? " phrase rare" : "");
                String output = "answer " + word(random);
                boolean error = random.nextInt(5) == 0;
                String model = random.nextInt(6) == 0 ? null : MODELS.get(random.nextInt(MODELS.size()));
                long prompt = model == null ? 0 : 10L * (1 + random.nextInt(5));
                long completion = model == null ? 0 : 1 + random.nextInt(4);
                double promptCost = model == null ? 0 : random.nextInt(4) / 64.0;
                double completionCost = model == null ? 0 : random.nextInt(4) / 128.0;
                int extra = random.nextInt(3);
                int spans = 1 + (model == null ? 0 : 1) + (error ? 1 : 0) + extra;
                List<String> tags = new ArrayList<>();
                for (String tag : TAGS) {
                    if (random.nextInt(3) == 0) {
                        tags.add(tag);
                    }
                }
                String metadataJson = null;
                if (t == 0) {
                    metadataJson = "{\"env\":\"" + env + "\",\"customer\":{\"tier\":\"" + tier + "\"},\"n\":" + n
                            + ",\"flag\":" + flag + ",\"list\":[1,2],\"none\":null}";
                } else if (t == 1 && i % 2 == 0) {
                    metadataJson = "{\"step\":\"two\"}";
                    metadata.put("step", "two");
                }
                String turnProject = t == 1 && i % 7 == 0 ? PROJECTS.get((PROJECTS.indexOf(project) + 1) % 3)
                        : project;
                turns.add(new SentTurn(i * 10 + t, start, end, turnProject, input, output, error, model, prompt,
                        completion, promptCost, completionCost, spans, tags, metadataJson));
            }
            sessions.add(new Sent(id, user, turns, metadata));
        }
        return new SessionCorpus(sessions);
    }

    private static String word(Random random) {
        return WORDS.get(random.nextInt(WORDS.size()));
    }

    List<Sent> sessions() {
        return sessions;
    }

    long traces() {
        return sessions.stream().mapToLong(s -> s.turns().size()).sum();
    }

    long spans() {
        return sessions.stream().mapToLong(Sent::spans).sum();
    }

    /**
     * Produces every turn as one OTLP request keyed by its trace id: a root span with the session, user, input,
     * output, metadata and tags; an LLM child with model, tokens and costs; a failed child for a failed turn; and a
     * few plain children.
     */
    void produce(KafkaTestCluster kafka, String topic) throws Exception {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.LINGER_MS_CONFIG, 5), new StringSerializer(), new ByteArraySerializer())) {
            for (Sent session : sessions) {
                for (SentTurn turn : session.turns()) {
                    producer.send(new ProducerRecord<>(topic, OtlpTraces.traceHex(turn.trace()),
                            OtlpTraces.request(OtlpTraces.resource("svc-" + turn.project(),
                                    attribute("openinference.project.name", turn.project())),
                                    spans(session, turn).toArray(Span.Builder[]::new)).toByteArray()));
                }
            }
            producer.flush();
        }
    }

    private static List<Span.Builder> spans(Sent session, SentTurn turn) {
        int trace = turn.trace();
        long root = 1;
        List<Span.Builder> spans = new ArrayList<>();
        Span.Builder rootSpan = attr(attr(attr(span(trace, root, 0, turn.startMicros(), turn.endMicros()),
                "session.id", session.id()), "input.value", turn.input()), "output.value", turn.output());
        if (session.userId() != null) {
            attr(rootSpan, "user.id", session.userId());
        }
        if (turn.metadataJson() != null) {
            attr(rootSpan, "metadata", turn.metadataJson());
        }
        if (!turn.tags().isEmpty()) {
            // OpenInference tag.tags: a string array on even traces, a JSON array in a string on odd ones.
            if (trace % 2 == 0) {
                ArrayValue.Builder array = ArrayValue.newBuilder();
                turn.tags().forEach(tag -> array.addValues(AnyValue.newBuilder().setStringValue(tag)));
                rootSpan.addAttributes(KeyValue.newBuilder().setKey("tag.tags")
                        .setValue(AnyValue.newBuilder().setArrayValue(array)));
            } else {
                attr(rootSpan, "tag.tags", turn.tags().stream().map(tag -> "\"" + tag + "\"")
                        .collect(Collectors.joining(",", "[", "]")));
            }
        }
        spans.add(rootSpan);
        long id = 2;
        if (turn.model() != null) {
            Span.Builder llm = attr(attr(span(trace, id++, root, turn.startMicros() + 100, turn.endMicros() - 100),
                    "openinference.span.kind", "LLM"), "llm.model_name", turn.model());
            attr(attr(llm, "llm.token_count.prompt", turn.promptTokens()), "llm.token_count.completion",
                    turn.completionTokens());
            attr(attr(attr(llm, "llm.cost.prompt", turn.promptCost()), "llm.cost.completion",
                    turn.completionCost()), "llm.cost.total", turn.totalCost());
            spans.add(llm);
        }
        if (turn.error()) {
            spans.add(OtlpTraces.error(span(trace, id++, root, turn.startMicros() + 200, turn.startMicros() + 300)));
        }
        while (id <= turn.spans()) {
            spans.add(span(trace, id, root, turn.startMicros() + 10 * id, turn.startMicros() + 10 * id + 5));
            id++;
        }
        return spans;
    }

    /** Every filter the API has, alone and repeated where a repeat means something, and a few combined. */
    static List<List<Param>> filters() {
        return List.of(
                List.of(),
                List.of(p("q", "apple")),
                List.of(p("q", "apple banan")),
                List.of(p("q", "answer che")),
                List.of(p("q", "\"rare phrase\"")),
                List.of(p("q", "golf ")),
                List.of(p("project", "alpha")),
                List.of(p("project", "alpha"), p("project", "gamma")),
                List.of(p("user_id", "u-ann")),
                List.of(p("user_id", "u-bob"), p("user_id", "u-cy")),
                List.of(p("status", "active")),
                List.of(p("status", "idle")),
                List.of(p("model", "gpt-4o")),
                List.of(p("model", "claude-3"), p("model", "llama-3")),
                List.of(p("tag", "vip")),
                List.of(p("tag", "vip"), p("tag", "beta-test")),
                List.of(p("metadata.env", "prod")),
                List.of(p("metadata.customer.tier", "gold")),
                List.of(p("metadata.env", "dev"), p("metadata.flag", "true")),
                List.of(p("metadata.n", "2")),
                List.of(p("metadata.step", "two")),
                List.of(p("from", at(20))),
                List.of(p("to", at(30))),
                List.of(p("from", at(10)), p("to", at(25))),
                List.of(p("has_error", "true")),
                List.of(p("has_error", "false")),
                List.of(p("min_cost", "0.05")),
                List.of(p("max_cost", "0.03")),
                List.of(p("min_cost", "0.0234375"), p("max_cost", "0.0625")),
                List.of(p("min_tokens", "60")),
                List.of(p("max_tokens", "33")),
                List.of(p("min_tokens", "22"), p("max_tokens", "54")),
                List.of(p("min_turns", "2")),
                List.of(p("max_turns", "1")),
                List.of(p("min_turns", "2"), p("max_turns", "2")),
                List.of(p("project", "beta"), p("has_error", "false"), p("min_tokens", "20")),
                List.of(p("q", "question"), p("model", "gpt-4o"), p("tag", "vip"), p("from", at(8))));
    }

    /** The filters a facet or stats request is checked under. */
    static List<List<Param>> someFilters() {
        return List.of(
                List.of(),
                List.of(p("project", "alpha")),
                List.of(p("has_error", "true")),
                List.of(p("q", "apple")),
                List.of(p("tag", "vip"), p("metadata.env", "prod")),
                List.of(p("from", at(10)), p("to", at(40))));
    }

    private static Param p(String name, String value) {
        return new Param(name, value);
    }

    /** {@link #T0} plus {@code minutes}, as the API takes it. */
    static String at(int minutes) {
        return T0.plus(Duration.ofMinutes(minutes)).toString();
    }

    /**
     * Asks every list, facet and stats query of this corpus through the given instances and checks each answer
     * against the brute-force one. Lists are walked to the end with {@code limit} sessions a page, each page asked
     * at the next instance, so cursors travel between instances; the first page of the walks starts at each instance
     * in turn. Facets and stats are asked at every instance.
     */
    void assertEveryQuery(List<Integer> ports, int limit) {
        int walk = 0;
        for (List<Param> filter : filters()) {
            List<Sent> selected = sessions.stream().filter(selects(filter)).toList();
            for (String sort : SORTS) {
                for (String order : List.of("desc", "asc")) {
                    List<String> expected = selected.stream().sorted(order(sort, order.equals("asc")))
                            .map(Sent::id).toList();
                    List<Param> params = new ArrayList<>(filter);
                    params.add(p("sort", sort));
                    params.add(p("order", order));
                    assertThat(walk(ports, walk++, params, limit)).as("GET /api/v1/sessions?%s", query(params))
                            .isEqualTo(expected);
                }
            }
            if (filter.stream().anyMatch(param -> param.name().equals("q"))) {
                for (String order : List.of("desc", "asc")) {
                    List<Param> params = new ArrayList<>(filter);
                    params.add(p("sort", "relevance"));
                    params.add(p("order", order));
                    List<String> walked = walk(ports, walk++, params, limit);
                    assertThat(walked).as("GET /api/v1/sessions?%s", query(params))
                            .containsExactlyInAnyOrderElementsOf(selected.stream().map(Sent::id).toList());
                    for (int port : ports) {
                        assertThat(walk(List.of(port), 0, params, 500)).as("the one page of %s at port %d",
                                query(params), port).isEqualTo(walked);
                    }
                }
            }
        }
        for (int port : ports) {
            for (List<Param> filter : someFilters()) {
                List<Sent> selected = sessions.stream().filter(selects(filter)).toList();
                for (String field : FACET_FIELDS) {
                    List<Param> params = new ArrayList<>(filter);
                    params.add(p("field", field));
                    JsonNode facets = get(port, "/api/v1/sessions/facets?" + query(params));
                    List<String> values = new ArrayList<>();
                    facets.get("values").forEach(v -> values.add(v.get("value").asText() + "=" + v.get("count")
                            .asLong()));
                    assertThat(values).as("GET /api/v1/sessions/facets?%s at port %d", query(params), port)
                            .isEqualTo(facet(selected, field));
                }
                assertStats(port, filter, selected);
            }
        }
    }

    /** The sessions of a list walked from its first page to its last, page {@code p} asked at port p + first. */
    private static List<String> walk(List<Integer> ports, int first, List<Param> params, int limit) {
        List<String> ids = new ArrayList<>();
        String cursor = null;
        int page = 0;
        do {
            List<Param> all = new ArrayList<>(params);
            all.add(p("limit", Integer.toString(limit)));
            if (cursor != null) {
                all.add(p("cursor", cursor));
            }
            int port = ports.get((first + page) % ports.size());
            JsonNode body = get(port, "/api/v1/sessions?" + query(all));
            JsonNode sessions = body.get("sessions");
            sessions.forEach(s -> ids.add(s.get("session_id").asText()));
            cursor = body.get("next_cursor").isNull() ? null : body.get("next_cursor").asText();
            if (cursor != null) {
                assertThat(sessions.size()).as("a page with a next page is full: %s at port %d", query(all), port)
                        .isEqualTo(limit);
            }
            assertThat(page++).as("pages of %s", query(params)).isLessThan(1000);
        } while (cursor != null);
        return ids;
    }

    /**
     * The JSON of a GET that must answer 200. A 503 with Retry-After (a rebalance, or a task's index being rebuilt) is
     * asked again, as a client would; it is never a wrong answer.
     */
    private static JsonNode get(int port, String path) {
        SessionsApiClient api = SessionsApiClient.of(port);
        SessionsApiClient.Response first = api.get(path);
        if (first.statusCode() != 503) {
            return first.ok().json();
        }
        assertThat(first.header("retry-after")).as("%s answered 503 without Retry-After", path).isPresent();
        return await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                .until(() -> api.get(path), response -> response.statusCode() != 503).ok().json();
    }

    private static String query(List<Param> params) {
        return params.stream().map(param -> param.name() + "=" + URLEncoder.encode(param.value(),
                StandardCharsets.UTF_8)).collect(Collectors.joining("&"));
    }

    /** DESIGN.md's filters, combined with AND, on what was sent. */
    private static Predicate<Sent> selects(List<Param> filter) {
        Predicate<Sent> all = s -> true;
        Map<String, List<String>> byName = new LinkedHashMap<>();
        filter.forEach(param -> byName.computeIfAbsent(param.name(), n -> new ArrayList<>()).add(param.value()));
        for (Map.Entry<String, List<String>> entry : byName.entrySet()) {
            List<String> values = entry.getValue();
            String value = values.get(0);
            Predicate<Sent> one = switch (entry.getKey()) {
                case "q" -> s -> matches(s, value);
                case "project" -> s -> s.projects().stream().anyMatch(values::contains);
                case "user_id" -> s -> s.userId() != null && values.contains(s.userId());
                case "status" -> s -> values.contains("active");
                case "model" -> s -> s.models().stream().anyMatch(values::contains);
                case "tag" -> s -> s.tags().containsAll(values);
                case "from" -> s -> s.end() >= micros(value);
                case "to" -> s -> s.start() < micros(value);
                case "has_error" -> s -> (s.errors() > 0) == Boolean.parseBoolean(value);
                case "min_cost" -> s -> s.cost() >= Double.parseDouble(value);
                case "max_cost" -> s -> s.cost() <= Double.parseDouble(value);
                case "min_tokens" -> s -> s.tokens() >= Long.parseLong(value);
                case "max_tokens" -> s -> s.tokens() <= Long.parseLong(value);
                case "min_turns" -> s -> s.turns().size() >= Long.parseLong(value);
                case "max_turns" -> s -> s.turns().size() <= Long.parseLong(value);
                default -> {
                    if (!entry.getKey().startsWith("metadata.")) {
                        throw new IllegalArgumentException(entry.getKey());
                    }
                    String key = entry.getKey().substring("metadata.".length());
                    yield s -> value.equals(s.metadata().get(key));
                }
            };
            all = all.and(one);
        }
        return all;
    }

    /**
     * DESIGN.md's {@code q}: every word and "phrase" in some turn's input or output, the last word also as a prefix
     * unless the text ends with a space.
     */
    private static boolean matches(Sent session, String q) {
        List<List<List<String>>> fields = new ArrayList<>();
        for (SentTurn turn : session.turns()) {
            fields.add(List.of(words(turn.input()), words(turn.output())));
        }
        Matcher phrases = PHRASES.matcher(q);
        StringBuilder rest = new StringBuilder();
        int last = 0;
        while (phrases.find()) {
            rest.append(q, last, phrases.start()).append(' ');
            last = phrases.end();
            List<String> phrase = words(phrases.group(1));
            if (!phrase.isEmpty() && fields.stream().flatMap(List::stream)
                    .noneMatch(field -> Collections.indexOfSubList(field, phrase) >= 0)) {
                return false;
            }
        }
        boolean lastIsPrefix = last < q.length() && !Character.isWhitespace(q.charAt(q.length() - 1));
        List<String> words = words(rest.append(q.substring(last)).toString());
        for (int i = 0; i < words.size(); i++) {
            String word = words.get(i);
            boolean prefix = lastIsPrefix && i == words.size() - 1;
            if (fields.stream().flatMap(List::stream).flatMap(List::stream)
                    .noneMatch(w -> prefix ? w.startsWith(word) : w.equals(word))) {
                return false;
            }
        }
        return true;
    }

    private static List<String> words(String text) {
        List<String> words = new ArrayList<>();
        Matcher matcher = WORD.matcher(text.toLowerCase(Locale.ROOT));
        while (matcher.find()) {
            words.add(matcher.group());
        }
        return words;
    }

    /** A list's order: by the sort's value, then by session id (the key breaks ties, ascending in both orders). */
    private static Comparator<Sent> order(String sort, boolean ascending) {
        Comparator<Sent> byValue = switch (sort) {
            case "end_time" -> Comparator.comparingLong(Sent::end);
            case "start_time" -> Comparator.comparingLong(Sent::start);
            case "cost" -> Comparator.comparingDouble(Sent::cost);
            case "tokens" -> Comparator.comparingLong(Sent::tokens);
            case "turns" -> Comparator.comparingInt(s -> s.turns().size());
            case "duration" -> Comparator.comparingLong(s -> s.end() - s.start());
            case "errors" -> Comparator.comparingLong(Sent::errors);
            default -> throw new IllegalArgumentException(sort);
        };
        return (ascending ? byValue : byValue.reversed()).thenComparing(Sent::id);
    }

    /** The 20 most frequent values of a facet field as {@code value=count}, most frequent first, then by value. */
    private static List<String> facet(List<Sent> selected, String field) {
        Map<String, Long> counts = new TreeMap<>();
        for (Sent s : selected) {
            Set<String> values = switch (field) {
                case "project" -> s.projects();
                case "model" -> s.models();
                case "user_id" -> s.userId() == null ? Set.of() : Set.of(s.userId());
                case "status" -> Set.of("active");
                case "tag" -> s.tags();
                default -> {
                    String value = s.metadata().get(field.substring("metadata.".length()));
                    yield value == null ? Set.of() : Set.of(value);
                }
            };
            values.forEach(v -> counts.merge(v, 1L, Long::sum));
        }
        return counts.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .limit(FACET_VALUES)
                .map(e -> e.getKey() + "=" + e.getValue())
                .toList();
    }

    /**
     * The stats of the selected sessions in windows with and without {@code from}, {@code to} and {@code interval}:
     * totals over the sessions, buckets of the sessions and turns that started in each.
     */
    private void assertStats(int port, List<Param> filter, List<Sent> selected) {
        boolean timed = filter.stream().anyMatch(param -> param.name().equals("from") || param.name().equals("to"));
        List<List<Param>> windows = timed ? List.of(List.of(), List.of(p("interval", "1m")))
                : List.of(List.of(p("from", at(0)), p("to", at(60)), p("interval", "5m")),
                        List.of(p("from", at(10)), p("to", at(40)), p("interval", "1m")),
                        List.of(p("from", at(0)), p("to", at(120))),
                        List.of(p("from", at(0))),
                        List.of());
        for (List<Param> window : windows) {
            List<Param> params = new ArrayList<>(filter);
            params.addAll(window);
            List<Sent> inWindow = selected.stream().filter(selects(window.stream()
                    .filter(param -> !param.name().equals("interval")).toList())).toList();
            String description = "GET /api/v1/stats?" + query(params) + " at port " + port;
            JsonNode stats = get(port, "/api/v1/stats?" + query(params));
            JsonNode totals = stats.get("totals");
            assertThat(totals.get("sessions").asLong()).as(description).isEqualTo(inWindow.size());
            assertThat(totals.get("active_sessions").asLong()).as(description).isEqualTo(inWindow.size());
            assertThat(totals.get("traces").asLong()).as(description)
                    .isEqualTo(inWindow.stream().mapToLong(s -> s.turns().size()).sum());
            assertThat(totals.get("spans").asLong()).as(description)
                    .isEqualTo(inWindow.stream().mapToLong(Sent::spans).sum());
            assertThat(totals.get("traces_with_error").asLong()).as(description)
                    .isEqualTo(inWindow.stream().mapToLong(Sent::errors).sum());
            assertThat(totals.get("llm_calls").asLong()).as(description)
                    .isEqualTo(inWindow.stream().mapToLong(Sent::llmCalls).sum());
            assertThat(totals.at("/token_count/prompt").asLong()).as(description)
                    .isEqualTo(inWindow.stream().mapToLong(Sent::promptTokens).sum());
            assertThat(totals.at("/token_count/completion").asLong()).as(description)
                    .isEqualTo(inWindow.stream().mapToLong(Sent::completionTokens).sum());
            assertThat(totals.at("/token_count/total").asLong()).as(description)
                    .isEqualTo(inWindow.stream().mapToLong(Sent::tokens).sum());
            assertThat(totals.at("/cost/prompt").asDouble()).as(description)
                    .isCloseTo(inWindow.stream().mapToDouble(Sent::promptCost).sum(), within(1e-9));
            assertThat(totals.at("/cost/completion").asDouble()).as(description)
                    .isCloseTo(inWindow.stream().mapToDouble(Sent::completionCost).sum(), within(1e-9));
            assertThat(totals.at("/cost/total").asDouble()).as(description)
                    .isCloseTo(inWindow.stream().mapToDouble(Sent::cost).sum(), within(1e-9));

            Instant from = Instant.parse(stats.get("from").asText());
            Instant to = Instant.parse(stats.get("to").asText());
            String interval = stats.get("interval").asText();
            window.stream().filter(param -> param.name().equals("from")).findFirst()
                    .ifPresent(param -> assertThat(from).as(description).isEqualTo(Instant.parse(param.value())));
            window.stream().filter(param -> param.name().equals("interval")).findFirst()
                    .ifPresent(param -> assertThat(interval).as(description).isEqualTo(param.value()));
            long fromMicros = micros(from);
            long toMicros = micros(to);
            long step = switch (interval) {
                case "1m" -> 60_000_000L;
                case "5m" -> 300_000_000L;
                case "1h" -> 3_600_000_000L;
                case "1d" -> 86_400_000_000L;
                default -> throw new AssertionError(description + ": interval " + interval);
            };
            int count = (int) ((toMicros - fromMicros + step - 1) / step);
            assertThat(count).as("%s: buckets of %s", description, interval).isLessThanOrEqualTo(500);
            JsonNode buckets = stats.get("buckets");
            assertThat(buckets.size()).as(description).isEqualTo(count);
            long[][] expected = new long[count][6];
            double[][] cost = new double[count][3];
            for (Sent s : inWindow) {
                if (s.start() >= fromMicros && s.start() < toMicros) {
                    expected[(int) ((s.start() - fromMicros) / step)][0]++;
                }
                for (SentTurn t : s.turns()) {
                    if (t.startMicros() >= fromMicros && t.startMicros() < toMicros) {
                        int b = (int) ((t.startMicros() - fromMicros) / step);
                        expected[b][1]++;
                        expected[b][2] += t.error() ? 1 : 0;
                        expected[b][3] += t.promptTokens();
                        expected[b][4] += t.completionTokens();
                        expected[b][5] += t.promptTokens() + t.completionTokens();
                        cost[b][0] += t.promptCost();
                        cost[b][1] += t.completionCost();
                        cost[b][2] += t.totalCost();
                    }
                }
            }
            for (int b = 0; b < count; b++) {
                JsonNode bucket = buckets.get(b);
                String at = description + ", bucket " + b;
                assertThat(Instant.parse(bucket.get("start").asText())).as(at)
                        .isEqualTo(T0.plus(fromMicros + b * step, ChronoUnit.MICROS));
                assertThat(new long[] {bucket.get("sessions_started").asLong(), bucket.get("traces").asLong(),
                        bucket.get("traces_with_error").asLong(), bucket.at("/token_count/prompt").asLong(),
                        bucket.at("/token_count/completion").asLong(), bucket.at("/token_count/total").asLong()})
                        .as("%s: sessions_started, traces, traces_with_error, tokens", at).isEqualTo(expected[b]);
                assertThat(bucket.at("/cost/prompt").asDouble()).as(at).isCloseTo(cost[b][0], within(1e-9));
                assertThat(bucket.at("/cost/completion").asDouble()).as(at).isCloseTo(cost[b][1], within(1e-9));
                assertThat(bucket.at("/cost/total").asDouble()).as(at).isCloseTo(cost[b][2], within(1e-9));
            }
        }
    }

    /** Each session's summary, asked at {@code port}, says what was sent. */
    void assertSummaries(int port) {
        for (Sent s : sessions) {
            assertSummary(s.id(), get(port, "/api/v1/sessions/" + s.id()), "at port " + port);
        }
    }

    /** A session's summary says what was sent. */
    void assertSummary(String id, JsonNode summary, String where) {
        Sent s = sessions.stream().filter(sent -> sent.id().equals(id)).findFirst().orElseThrow();
        String as = id + " " + where;
        assertThat(summary.get("trace_count").asLong()).as(as).isEqualTo(s.turns().size());
        assertThat(summary.get("traces_with_error").asLong()).as(as).isEqualTo(s.errors());
        assertThat(summary.get("span_count").asLong()).as(as).isEqualTo(s.spans());
        assertThat(summary.get("llm_call_count").asLong()).as(as).isEqualTo(s.llmCalls());
        assertThat(summary.at("/token_count/prompt").asLong()).as(as).isEqualTo(s.promptTokens());
        assertThat(summary.at("/token_count/completion").asLong()).as(as).isEqualTo(s.completionTokens());
        assertThat(summary.at("/token_count/total").asLong()).as(as).isEqualTo(s.tokens());
        assertThat(summary.at("/cost/total").asDouble()).as(as).isCloseTo(s.cost(), within(1e-9));
        assertThat(summary.at("/cost/prompt").asDouble()).as(as).isCloseTo(s.promptCost(), within(1e-9));
        assertThat(strings(summary.get("projects"))).as(as).containsExactlyInAnyOrderElementsOf(s.projects());
        assertThat(strings(summary.get("models"))).as(as).containsExactlyInAnyOrderElementsOf(s.models());
        assertThat(strings(summary.get("tags"))).as(as).containsExactlyInAnyOrderElementsOf(s.tags());
        assertThat(summary.get("user_id").isNull() ? null : summary.get("user_id").asText()).as(as)
                .isEqualTo(s.userId());
        Map<String, String> metadata = new TreeMap<>();
        summary.get("metadata").fields().forEachRemaining(e -> metadata.put(e.getKey(), e.getValue().asText()));
        assertThat(metadata).as(as).isEqualTo(s.metadata());
        assertThat(micros(Instant.parse(summary.get("start_time").asText()))).as(as).isEqualTo(s.start());
        assertThat(micros(Instant.parse(summary.get("end_time").asText()))).as(as).isEqualTo(s.end());
        assertThat(summary.at("/first_input/value").asText()).as(as).isEqualTo(s.turns().get(0).input());
        assertThat(summary.at("/last_output/value").asText()).as(as)
                .isEqualTo(s.turns().get(s.turns().size() - 1).output());
    }

    private static List<String> strings(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(v -> values.add(v.asText()));
        return values;
    }

    private static long micros(String time) {
        return micros(Instant.parse(time));
    }

    /** Microseconds after {@link OtlpTraces#T0_MICROS}, the unit the corpus keeps its times in. */
    private static long micros(Instant time) {
        return ChronoUnit.MICROS.between(T0, time);
    }
}
