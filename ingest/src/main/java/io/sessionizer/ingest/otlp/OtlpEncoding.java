package io.sessionizer.ingest.otlp;

import com.linecorp.armeria.common.MediaType;
import java.util.Optional;

/** The two OTLP/HTTP payload encodings; an answer uses the encoding of its request. */
public enum OtlpEncoding {
    PROTOBUF(MediaType.X_PROTOBUF),
    JSON(MediaType.JSON);

    private final MediaType mediaType;

    OtlpEncoding(MediaType mediaType) {
        this.mediaType = mediaType;
    }

    public MediaType mediaType() {
        return mediaType;
    }

    /**
     * The encoding of a {@code Content-Type} as Armeria's headers parse it ({@code req.contentType()}, null when absent
     * or not a media type), parameters such as {@code charset} ignored.
     */
    public static Optional<OtlpEncoding> forContentType(MediaType contentType) {
        if (contentType == null) {
            return Optional.empty();
        }
        for (OtlpEncoding encoding : values()) {
            if (contentType.is(encoding.mediaType)) {
                return Optional.of(encoding);
            }
        }
        return Optional.empty();
    }
}
