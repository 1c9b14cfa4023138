/**
 * The protocol-independent path of an export: the tenant's rate limits and share of the in-flight budget, split per
 * trace, hand to the sink, count in metrics.
 */
package io.sessionizer.ingest.pipeline;
