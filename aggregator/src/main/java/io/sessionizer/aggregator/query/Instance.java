package io.sessionizer.aggregator.query;

/** An instance of the application, where other instances reach its API ({@code application.server}). */
public record Instance(String host, int port) {
    @Override
    public String toString() {
        return host + ":" + port;
    }
}
