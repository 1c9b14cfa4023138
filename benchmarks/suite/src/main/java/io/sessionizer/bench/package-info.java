/**
 * The benchmarks beside the suite: {@code bench-backlog} (catch-up of a backlog against a repartition-only baseline)
 * and {@code soak} (disk and memory of the local stack over time), on the load generator's traffic.
 */
package io.sessionizer.bench;
