package io.sessionizer.ingest.otlp;

import java.util.Locale;
import java.util.Optional;

/** The two OTLP/HTTP payload encodings; an answer uses the encoding of its request. */
public enum OtlpEncoding {
    PROTOBUF("application/x-protobuf"),
    JSON("application/json");

    private final String mediaType;

    OtlpEncoding(String mediaType) {
        this.mediaType = mediaType;
    }

    public String mediaType() {
        return mediaType;
    }

    /** The encoding named by a {@code Content-Type} value, parameters such as {@code charset} ignored. */
    public static Optional<OtlpEncoding> forContentType(String contentType) {
        if (contentType == null) {
            return Optional.empty();
        }
        int semicolon = contentType.indexOf(';');
        String base = (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim()
                .toLowerCase(Locale.ROOT);
        for (OtlpEncoding encoding : values()) {
            if (encoding.mediaType.equals(base)) {
                return Optional.of(encoding);
            }
        }
        return Optional.empty();
    }
}
