/** Test fixtures shared by every module's tests through this module's test-jar: the in-JVM Kafka broker. */
package io.sessionizer.testing;
