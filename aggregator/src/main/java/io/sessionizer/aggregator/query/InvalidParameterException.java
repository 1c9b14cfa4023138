package io.sessionizer.aggregator.query;

/** A query parameter with a value the endpoint cannot take: a 400 whose detail names the parameter. */
public final class InvalidParameterException extends IllegalArgumentException {
    private final String parameter;

    public InvalidParameterException(String parameter, String problem) {
        super("Invalid parameter '" + parameter + "': " + problem);
        this.parameter = parameter;
    }

    public String parameter() {
        return parameter;
    }
}
