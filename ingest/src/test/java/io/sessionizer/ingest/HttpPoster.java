package io.sessionizer.ingest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** A plain JDK HTTP client for the ingest endpoints. */
public final class HttpPoster {
    public static final String PROTOBUF = "application/x-protobuf";
    public static final String JSON = "application/json";

    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private final String base;
    private final String path;

    public HttpPoster(int port) {
        this(port, "/v1/traces");
    }

    private HttpPoster(int port, String path) {
        this.base = "http://127.0.0.1:" + port;
        this.path = path;
    }

    /** A poster of the same server that posts to {@code /v1/logs}. */
    public HttpPoster logs() {
        return new HttpPoster(URI.create(base).getPort(), "/v1/logs");
    }

    /** Posts to {@code /v1/traces} (or {@code /v1/logs}); {@code headers} are name, value pairs. */
    public CompletableFuture<HttpResponse<byte[]>> postAsync(String contentType, byte[] body, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return client.sendAsync(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    public HttpResponse<byte[]> post(String contentType, byte[] body, String... headers) {
        return postAsync(contentType, body, headers).join();
    }

    public HttpResponse<String> get(String path) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).GET().build());
    }

    public HttpResponse<String> send(HttpRequest request) {
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public String base() {
        return base;
    }
}
