package io.sessionizer.localregistry;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.ResponseHeaders;
import java.util.Locale;

/**
 * The API's media types: {@code application/vnd.schemaregistry.v1+json} (preferred),
 * {@code application/vnd.schemaregistry+json} and {@code application/json}. An answer uses the first of them the
 * request's {@code Accept} names, else the preferred one, as the API's "Content Types" section describes.
 */
final class RegistryMediaTypes {
    static final MediaType V1 = MediaType.parse("application/vnd.schemaregistry.v1+json");
    static final MediaType ANY_VERSION = MediaType.parse("application/vnd.schemaregistry+json");

    private RegistryMediaTypes() {
    }

    static MediaType negotiate(RequestHeaders request) {
        String accept = request == null ? null : request.get(HttpHeaderNames.ACCEPT);
        if (accept == null) {
            return V1;
        }
        for (String range : accept.split(",")) {
            String type = range.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
            switch (type) {
                case "application/vnd.schemaregistry.v1+json" -> {
                    return V1;
                }
                case "application/vnd.schemaregistry+json" -> {
                    return ANY_VERSION;
                }
                case "application/json" -> {
                    return MediaType.JSON;
                }
                default -> {
                    // Wildcards and types the API does not serve: look further, then fall back to V1.
                }
            }
        }
        return V1;
    }

    static ResponseHeaders headers(HttpStatus status, RequestHeaders request) {
        return ResponseHeaders.of(status, HttpHeaderNames.CONTENT_TYPE, negotiate(request));
    }
}
