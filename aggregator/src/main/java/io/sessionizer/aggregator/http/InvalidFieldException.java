package io.sessionizer.aggregator.http;

/**
 * A request the annotations API cannot take: a 400 whose detail, and its {@code field} member, name the body member or
 * path parameter at fault; a fault of the body as a whole (not JSON, not an object) has no field.
 */
public final class InvalidFieldException extends IllegalArgumentException {
    private final String field;

    /**
     * @param field the member or parameter at fault, or null for the body as a whole
     * @param problem what is wrong, completing "Invalid field 'f': "; with no field, the whole detail
     */
    public InvalidFieldException(String field, String problem) {
        super(field == null ? problem : "Invalid field '" + field + "': " + problem);
        this.field = field;
    }

    /** The member or parameter at fault; null for the body as a whole. */
    public String field() {
        return field;
    }
}
