/**
 * JMH micro-benchmarks of the aggregator's and ingest's hot paths, each next to a plain baseline that does the least
 * the same job needs, on the synthetic agent traffic of the backlog benchmark. {@link
 * io.sessionizer.jmh.BenchmarksMain} runs them and prints each score with its ratio to the baseline.
 */
package io.sessionizer.jmh;
