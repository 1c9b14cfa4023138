package io.sessionizer.loadgen;

import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** The OTLP transports, with the endpoints of the local stack. */
public enum Protocol {
    HTTP("OTLP/HTTP", "http://localhost:4318"),
    GRPC("OTLP/gRPC", "http://localhost:4317");

    private final String label;
    private final String defaultEndpoint;

    Protocol(String label, String defaultEndpoint) {
        this.label = label;
        this.defaultEndpoint = defaultEndpoint;
    }

    public String label() {
        return label;
    }

    public String defaultEndpoint() {
        return defaultEndpoint;
    }

    /** {@code http} or {@code grpc}, in any case, on the command line. */
    static final class Converter implements ITypeConverter<Protocol> {
        @Override
        public Protocol convert(String value) {
            try {
                return valueOf(value.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException("'" + value + "' is not a protocol: use http or grpc");
            }
        }
    }
}
