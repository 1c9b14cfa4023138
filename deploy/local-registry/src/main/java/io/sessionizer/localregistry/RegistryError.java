package io.sessionizer.localregistry;

/**
 * An answer the Confluent API defines as an error: the HTTP status and the {@code error_code} of its body, as in
 * https://docs.confluent.io/platform/current/schema-registry/develop/api.html#errors.
 */
final class RegistryError extends RuntimeException {
    static final int SUBJECT_NOT_FOUND = 40401;
    static final int VERSION_NOT_FOUND = 40402;
    static final int SCHEMA_NOT_FOUND = 40403;
    static final int INVALID_SCHEMA = 42201;
    static final int INVALID_VERSION = 42202;
    static final int OPERATION_NOT_PERMITTED = 42205;
    static final int STORE_ERROR = 50001;

    private final int httpStatus;
    private final int errorCode;

    private RegistryError(int httpStatus, int errorCode, String message, Throwable cause) {
        super(message, cause);
        this.httpStatus = httpStatus;
        this.errorCode = errorCode;
    }

    static RegistryError subjectNotFound(String subject) {
        return new RegistryError(404, SUBJECT_NOT_FOUND, "Subject '" + subject + "' not found.", null);
    }

    static RegistryError versionNotFound(int version) {
        return new RegistryError(404, VERSION_NOT_FOUND, "Version " + version + " not found.", null);
    }

    static RegistryError schemaNotFound(String message) {
        return new RegistryError(404, SCHEMA_NOT_FOUND, message, null);
    }

    static RegistryError invalidSchema(String message) {
        return new RegistryError(422, INVALID_SCHEMA, message, null);
    }

    static RegistryError invalidVersion(String version) {
        return new RegistryError(422, INVALID_VERSION, "The specified version '" + version + "' is not a valid "
                + "version id. Allowed values are between [1, 2^31-1] and the string \"latest\"", null);
    }

    static RegistryError notPermitted(String message) {
        return new RegistryError(422, OPERATION_NOT_PERMITTED, message, null);
    }

    static RegistryError storeError(String message, Throwable cause) {
        return new RegistryError(500, STORE_ERROR, message, cause);
    }

    static RegistryError badRequest(String message) {
        return new RegistryError(400, 400, message, null);
    }

    int httpStatus() {
        return httpStatus;
    }

    int errorCode() {
        return errorCode;
    }
}
