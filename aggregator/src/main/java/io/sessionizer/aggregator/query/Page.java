package io.sessionizer.aggregator.query;

import java.util.List;
import org.apache.kafka.common.utils.Bytes;

/**
 * One page of a list, and the store key to continue after, or null on the last page.
 *
 * @param items the page, in list order
 * @param next the store key of the last entry read, for the next page's cursor; null when the list is done
 */
public record Page<T>(List<T> items, Bytes next) {
}
