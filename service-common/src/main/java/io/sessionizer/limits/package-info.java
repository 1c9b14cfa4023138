/**
 * The token buckets the services' rate limits are made of (Bucket4j) and the {@code Retry-After} a refusal states.
 */
package io.sessionizer.limits;
