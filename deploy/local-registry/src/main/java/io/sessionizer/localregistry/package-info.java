/**
 * The local stack's Schema Registry: the Confluent REST API endpoints that serializers and common clients use, over
 * schemas kept durably in a compacted Kafka topic.
 */
package io.sessionizer.localregistry;
