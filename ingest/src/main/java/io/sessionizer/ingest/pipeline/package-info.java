/** The protocol-independent path of an export: in-flight limit, split per trace, hand to the sink, count in metrics. */
package io.sessionizer.ingest.pipeline;
