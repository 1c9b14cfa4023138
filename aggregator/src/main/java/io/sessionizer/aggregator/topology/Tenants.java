package io.sessionizer.aggregator.topology;

import io.sessionizer.schemas.records.RecordContract;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/** The tenant a record belongs to, by the {@link RecordContract}: its tenant header, else the default tenant. */
public final class Tenants {
    private Tenants() {
    }

    /** The tenant of a record, or null when its header holds no valid tenant name. */
    public static String of(Headers headers) {
        Header header = headers.lastHeader(RecordContract.TENANT_HEADER);
        if (header == null) {
            return RecordContract.DEFAULT_TENANT;
        }
        String tenant = new String(header.value(), StandardCharsets.UTF_8);
        return RecordContract.isValidTenant(tenant) ? tenant : null;
    }

    /** The key of a trace in stage 1's store: {@code {tenant}/{trace id}}, so tenants never share a trace's state. */
    static String traceKey(String tenant, String traceId) {
        return tenant + "/" + traceId;
    }
}
