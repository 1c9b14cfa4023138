package io.sessionizer.localregistry;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;
import com.linecorp.armeria.common.ResponseHeaders;
import java.util.List;

/**
 * The API's media types: {@code application/vnd.schemaregistry.v1+json} (preferred),
 * {@code application/vnd.schemaregistry+json} and {@code application/json}. An answer uses the first of them the
 * request's {@code Accept} names (highest q-value first), else the preferred one, as the API's "Content Types"
 * section describes.
 */
final class RegistryMediaTypes {
    static final MediaType V1 = MediaType.parse("application/vnd.schemaregistry.v1+json");
    static final MediaType ANY_VERSION = MediaType.parse("application/vnd.schemaregistry+json");
    private static final List<MediaType> SERVED = List.of(V1, ANY_VERSION, MediaType.JSON);

    private RegistryMediaTypes() {
    }

    static MediaType negotiate(RequestHeaders request) {
        if (request == null) {
            return V1;
        }
        // Armeria parses Accept, orders it by q-value and skips malformed ranges. Wildcards and types the API does
        // not serve match none of these: look further, then fall back to V1.
        for (MediaType range : request.accept()) {
            for (MediaType served : SERVED) {
                if (range.is(served)) {
                    return served;
                }
            }
        }
        return V1;
    }

    static ResponseHeaders headers(HttpStatus status, RequestHeaders request) {
        return ResponseHeaders.of(status, HttpHeaderNames.CONTENT_TYPE, negotiate(request));
    }
}
