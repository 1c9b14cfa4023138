package io.sessionizer.schemas.records;

import java.util.regex.Pattern;

/**
 * What the annotations API, the aggregator's fold and index, and clients such as the evaluator agree on about an
 * {@code Annotation} (DESIGN.md, "REST API"): what a name may be (it is also a part of list parameters,
 * {@code annotation.<name>.label}), and the bounds of its texts. Lengths are Java chars (UTF-16 units), so that the API
 * refuses exactly what the fold would cut, and an annotation within them serializes to a known most.
 */
public final class AnnotationContract {
    public static final String NAME_PATTERN = "[A-Za-z0-9_-]{1,64}";
    public static final int MAX_NAME_CHARS = 64;
    public static final int MAX_LABEL_CHARS = 128;
    public static final int MAX_IDENTIFIER_CHARS = 128;
    public static final int MAX_EXPLANATION_CHARS = 1000;
    /** UTF-8 bytes of the metadata object as compact JSON text. */
    public static final int MAX_METADATA_BYTES = 1000;
    private static final Pattern NAME = Pattern.compile(NAME_PATTERN);

    private AnnotationContract() {
    }

    public static boolean isValidName(String name) {
        return name != null && NAME.matcher(name).matches();
    }
}
