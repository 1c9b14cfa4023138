package io.sessionizer.aggregator.query;

/**
 * One way to answer a request about one session, as {@link SessionQueryService#routes} chooses them: from this
 * instance's stores or from another instance, each from the active copy of the session's partition or a standby one.
 */
public sealed interface Route {
    /** True when the copy read may lag behind the active one. */
    boolean standby();

    /** From this instance's stores of the partition ({@link SessionQueryService#partitionReader}). */
    record Local(int partition, boolean standby) implements Route {
    }

    /** Forwarded to another instance, which answers from its own stores. */
    record Remote(Instance instance, boolean standby) implements Route {
    }
}
