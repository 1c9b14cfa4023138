/**
 * Plain-Java session logic with no Kafka types: session-key lookup, span-to-turn assembly and session arithmetic.
 * The topology only moves data between state stores and these classes.
 */
package io.sessionizer.aggregator.domain;
