package io.sessionizer.schemas.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client of the Confluent Schema Registry REST API, which Confluent SR, Apicurio (ccompat), Karapace and Redpanda
 * serve; see https://docs.confluent.io/platform/current/schema-registry/develop/api.html. Written here on the JDK
 * HTTP client because Confluent's own client ({@code io.confluent:kafka-schema-registry-client}) is not in the
 * reachable Maven registry.
 *
 * <p>Both calls are cached for the life of the client, so a serde reaches the registry once per topic and once per
 * unknown writer id. Connection failures, timeouts, 429 and 5xx answers are retried with exponential backoff, a
 * bounded number of times; refusals (4xx) are not. Several comma-separated URLs may be given: a connection failure
 * moves to the next one.
 */
public final class RestSchemaRegistryClient implements SchemaRegistryClient {
    private static final Logger LOG = LoggerFactory.getLogger(RestSchemaRegistryClient.class);
    static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    /** The API's preferred media types first, as its "Content Types" section recommends. */
    static final String ACCEPT = "application/vnd.schemaregistry.v1+json, "
            + "application/vnd.schemaregistry+json; q=0.9, application/json; q=0.5";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_BODY_IN_MESSAGE = 500;

    /**
     * Timeouts and retries.
     *
     * @param maxAttempts calls made at most for one operation, the first included
     * @param initialBackoff wait after the first failed attempt; doubled after each further one, up to
     *     {@code maxBackoff}
     */
    public record Options(Duration connectTimeout, Duration requestTimeout, int maxAttempts, Duration initialBackoff,
            Duration maxBackoff) {
        public Options {
            Objects.requireNonNull(connectTimeout);
            Objects.requireNonNull(requestTimeout);
            Objects.requireNonNull(initialBackoff);
            Objects.requireNonNull(maxBackoff);
            if (maxAttempts < 1) {
                throw new IllegalArgumentException("maxAttempts must be at least 1");
            }
        }

        /** 10 s to connect, 30 s per request, 5 attempts 0.2, 0.4, 0.8 and 1.6 s apart. */
        public static Options defaults() {
            return new Options(Duration.ofSeconds(10), Duration.ofSeconds(30), 5, Duration.ofMillis(200),
                    Duration.ofSeconds(5));
        }
    }

    private record SubjectSchema(String subject, Schema schema) {
    }

    private final List<String> baseUrls;
    private final RegistryAuth auth;
    private final Options options;
    private final HttpClient http;
    private final AtomicInteger currentUrl = new AtomicInteger();
    private final Map<SubjectSchema, Integer> ids = new ConcurrentHashMap<>();
    private final Map<Integer, Schema> schemas = new ConcurrentHashMap<>();

    private RestSchemaRegistryClient(List<String> baseUrls, RegistryAuth auth, Options options) {
        this.baseUrls = baseUrls;
        this.auth = auth;
        this.options = options;
        // HTTP/1.1: every registry implementation speaks it, and the JDK's cleartext HTTP/2 upgrade trips some proxies.
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(options.connectTimeout())
                .build();
    }

    public static RestSchemaRegistryClient create(String url, RegistryAuth auth) {
        return create(url, auth, Options.defaults());
    }

    /**
     * @param url one base URL or several separated by commas, such as {@code http://localhost:8081} or
     *     {@code https://host/apis/ccompat/v7}
     * @throws IllegalArgumentException when a URL is not an absolute http or https URL
     */
    public static RestSchemaRegistryClient create(String url, RegistryAuth auth, Options options) {
        List<String> urls = Arrays.stream(url.split(",")).map(String::trim).filter(u -> !u.isEmpty())
                .map(RestSchemaRegistryClient::baseUrl).toList();
        if (urls.isEmpty()) {
            throw new IllegalArgumentException("no Schema Registry URL given");
        }
        return new RestSchemaRegistryClient(urls, Objects.requireNonNull(auth), options);
    }

    private static String baseUrl(String url) {
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + url + "' is not a URL: " + e.getMessage());
        }
        if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
            throw new IllegalArgumentException("'" + url + "' is not an http:// or https:// URL with a host");
        }
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    /** {@code POST /subjects/{subject}/versions}: registers the schema, or finds it when it is already there. */
    @Override
    public int register(String subject, Schema schema) {
        SubjectSchema key = new SubjectSchema(subject, schema);
        Integer cached = ids.get(key);
        if (cached != null) {
            return cached;
        }
        // No "schemaType": the API takes a missing one as AVRO, and older registries reject the field.
        String body = JSON.createObjectNode().put("schema", schema.toString()).toString();
        String path = "/subjects/" + pathSegment(subject) + "/versions";
        JsonNode answer = call("POST", path, body);
        JsonNode id = answer.get("id");
        if (id == null || !id.canConvertToInt()) {
            throw new SchemaRegistryException(200, 200, "The Schema Registry answered POST " + path
                    + " without an integer \"id\": " + abbreviate(answer.toString()));
        }
        ids.put(key, id.intValue());
        schemas.putIfAbsent(id.intValue(), schema);
        return id.intValue();
    }

    /** {@code GET /schemas/ids/{id}}. */
    @Override
    public Schema schemaById(int id) {
        Schema cached = schemas.get(id);
        if (cached != null) {
            return cached;
        }
        String path = "/schemas/ids/" + id;
        JsonNode answer = call("GET", path, null);
        JsonNode type = answer.get("schemaType");
        if (type != null && !type.isNull() && !"AVRO".equals(type.asText())) {
            throw new SchemaRegistryException(200, 200,
                    "Schema " + id + " is a " + type.asText() + " schema, not an Avro one");
        }
        JsonNode text = answer.get("schema");
        if (text == null || !text.isTextual()) {
            throw new SchemaRegistryException(200, 200, "The Schema Registry answered GET " + path
                    + " without a \"schema\" string: " + abbreviate(answer.toString()));
        }
        Schema schema;
        try {
            schema = new Schema.Parser().parse(text.asText());
        } catch (SchemaParseException e) {
            throw new SchemaRegistryException(200, 200, "Schema " + id + " is not a valid Avro schema: "
                    + e.getMessage(), e);
        }
        Schema previous = schemas.putIfAbsent(id, schema);
        return previous == null ? schema : previous;
    }

    private JsonNode call(String method, String path, String body) {
        SchemaRegistryException last = null;
        for (int attempt = 1; attempt <= options.maxAttempts(); attempt++) {
            int urlIndex = Math.floorMod(currentUrl.get(), baseUrls.size());
            URI uri = URI.create(baseUrls.get(urlIndex) + path);
            try {
                HttpResponse<String> response = http.send(request(method, uri, body),
                        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
                int status = response.statusCode();
                if (status >= 200 && status < 300) {
                    return parse(status, method, uri, response.body());
                }
                last = refusal(status, method, uri, response.body());
                if (!last.isRetryable()) {
                    throw last;
                }
            } catch (IOException e) {
                last = new SchemaRegistryException(SchemaRegistryException.NO_ANSWER,
                        SchemaRegistryException.NO_ANSWER, "No answer from the Schema Registry to " + method + " "
                        + uri + ": " + describe(e), e);
                currentUrl.compareAndSet(urlIndex, urlIndex + 1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SchemaRegistryException(SchemaRegistryException.NO_ANSWER,
                        SchemaRegistryException.NO_ANSWER, "Interrupted during " + method + " " + uri, e);
            }
            if (attempt < options.maxAttempts()) {
                Duration backoff = backoff(attempt);
                LOG.warn("{} (attempt {} of {}); trying again in {} ms", last.getMessage(), attempt,
                        options.maxAttempts(), backoff.toMillis());
                sleep(backoff, last);
            }
        }
        throw new SchemaRegistryException(last.httpStatus(), last.errorCode(),
                last.getMessage() + " (gave up after " + options.maxAttempts() + " attempts)", last);
    }

    private HttpRequest request(String method, URI uri, String body) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri)
                .timeout(options.requestTimeout())
                .header("Accept", ACCEPT)
                .method(method, body == null
                        ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (body != null) {
            builder.header("Content-Type", CONTENT_TYPE);
        }
        auth.authorizationHeader().ifPresent(value -> builder.header("Authorization", value));
        return builder.build();
    }

    private static JsonNode parse(int status, String method, URI uri, String body) {
        try {
            return JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw new SchemaRegistryException(status, status, "The answer of the Schema Registry to " + method + " "
                    + uri + " is not JSON: " + abbreviate(body), e);
        }
    }

    /** An error answer: {@code {"error_code": 40401, "message": "Subject 'x' not found."}} as the API defines it. */
    private static SchemaRegistryException refusal(int status, String method, URI uri, String body) {
        int errorCode = status;
        String message = abbreviate(body);
        try {
            JsonNode node = JSON.readTree(body);
            if (node != null && node.path("error_code").canConvertToInt()) {
                errorCode = node.get("error_code").intValue();
            }
            if (node != null && node.path("message").isTextual()) {
                message = node.get("message").asText();
            }
        } catch (JsonProcessingException e) {
            // Not the API's error body (a proxy's HTML page, say): the raw text is the best message there is.
        }
        return new SchemaRegistryException(status, errorCode, "Schema Registry answered " + method + " " + uri
                + " with HTTP " + status + ", error " + errorCode + ": " + message);
    }

    /** The JDK client often wraps the useful message ("Connection refused") in a cause of the same type. */
    private static String describe(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                return t.getClass().getSimpleName() + ": " + t.getMessage();
            }
        }
        return e.getClass().getSimpleName();
    }

    private Duration backoff(int attempt) {
        Duration wait = options.initialBackoff().multipliedBy(1L << Math.min(attempt - 1, 20));
        return wait.compareTo(options.maxBackoff()) > 0 ? options.maxBackoff() : wait;
    }

    private static void sleep(Duration backoff, SchemaRegistryException last) {
        try {
            Thread.sleep(backoff.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SchemaRegistryException(last.httpStatus(), last.errorCode(),
                    last.getMessage() + " (interrupted before trying again)", last);
        }
    }

    /** Subjects may hold any character; URLEncoder is for forms, where a space is '+', not for paths. */
    private static String pathSegment(String subject) {
        return URLEncoder.encode(subject, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String abbreviate(String text) {
        String s = text == null ? "" : text.strip();
        return s.length() <= MAX_BODY_IN_MESSAGE ? s : s.substring(0, MAX_BODY_IN_MESSAGE) + "...";
    }

    @Override
    public String toString() {
        return "RestSchemaRegistryClient" + baseUrls + " (auth " + auth + ")";
    }
}
