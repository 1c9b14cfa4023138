package io.sessionizer.auth;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * What a key may do. A route needs one scope; a key lists the scopes it has, none listed meaning all of them.
 * {@link #ADMIN} implies every other scope.
 */
public enum Scope {
    /** Send OTLP traces and logs, over HTTP and gRPC. */
    INGEST,
    /** Every GET under {@code /api/} of the aggregator, and so the UI. */
    READ,
    /** POST and DELETE of the annotations API. */
    ANNOTATE,
    /** All of the above; reserved for operator endpoints. */
    ADMIN;

    /** The name in the keys file and in messages: {@code ingest}, {@code read}, {@code annotate}, {@code admin}. */
    public String tag() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The scope of a tag, whatever its case; IllegalArgumentException naming it and the known ones otherwise. */
    public static Scope of(String tag) {
        for (Scope scope : values()) {
            if (scope.tag().equalsIgnoreCase(tag)) {
                return scope;
            }
        }
        throw new IllegalArgumentException("Unknown scope '" + tag + "': expected one of "
                + Arrays.stream(values()).map(Scope::tag).collect(Collectors.joining(", ")));
    }
}
