package io.sessionizer.schemas.records;

import java.util.regex.Pattern;

/**
 * What ingest, aggregator and consumers agree on besides the value schemas (DESIGN.md, "Kafka topics"): the tenant
 * header of {@code otlp_spans}, what a tenant name may be, and the {@code {tenant}/{session_id}} key of every record
 * about a session.
 */
public final class RecordContract {
    /** The header of an {@code otlp_spans} record that names its tenant; without it, {@link #DEFAULT_TENANT}. */
    public static final String TENANT_HEADER = "sessionizer.tenant";
    /** The tenant of a deployment without API keys, and of records that carry no tenant header. */
    public static final String DEFAULT_TENANT = "default";
    /** A tenant name: short, lowercase and free of the key separator, so a session key splits at its first '/'. */
    public static final String TENANT_PATTERN = "[a-z0-9_-]{1,64}";
    private static final Pattern TENANT = Pattern.compile(TENANT_PATTERN);

    private RecordContract() {
    }

    public static boolean isValidTenant(String tenant) {
        return tenant != null && TENANT.matcher(tenant).matches();
    }

    /** The key of a session in the published topics and the aggregator's stores: {@code {tenant}/{session_id}}. */
    public static String sessionKey(String tenant, String sessionId) {
        return tenant + "/" + sessionId;
    }
}
