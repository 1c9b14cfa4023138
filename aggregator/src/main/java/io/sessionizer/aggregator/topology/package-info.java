/** The Kafka Streams topology: stage 1 keyed by trace assembles turns, stage 2 keyed by session aggregates them. */
package io.sessionizer.aggregator.topology;
