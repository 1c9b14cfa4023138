package io.sessionizer.aggregator.topology;

import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/** The tenant a record belongs to: the ingest's {@value #HEADER} header, else {@value #DEFAULT}. */
public final class Tenants {
    public static final String HEADER = "sessionizer.tenant";
    public static final String DEFAULT = "default";
    static final String PATTERN = "[a-z0-9_-]{1,64}";
    private static final Pattern VALID = Pattern.compile(PATTERN);

    private Tenants() {
    }

    /** The tenant of a record, or null when its header holds no valid tenant name. */
    public static String of(Headers headers) {
        Header header = headers.lastHeader(HEADER);
        if (header == null) {
            return DEFAULT;
        }
        String tenant = new String(header.value(), StandardCharsets.UTF_8);
        return VALID.matcher(tenant).matches() ? tenant : null;
    }

    /** The key of a session in stores and published topics: {@code {tenant}/{session_id}}. */
    public static String sessionKey(String tenant, String sessionId) {
        return tenant + "/" + sessionId;
    }

    /** The key of a trace in stage 1's store: {@code {tenant}/{trace id}}, so tenants never share a trace's state. */
    static String traceKey(String tenant, String traceId) {
        return tenant + "/" + traceId;
    }
}
