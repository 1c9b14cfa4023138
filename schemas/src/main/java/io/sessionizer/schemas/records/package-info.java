/** The record contract shared by every producer and consumer of Sessionizer's topics: tenant header and session key. */
package io.sessionizer.schemas.records;
