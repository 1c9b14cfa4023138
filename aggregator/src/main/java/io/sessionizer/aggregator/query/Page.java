package io.sessionizer.aggregator.query;

import java.util.List;

/**
 * One page of a list, and the store key to continue after, or null on the last page.
 *
 * @param items the page, in list order
 * @param next the store key of the last entry read, for the next page's cursor; null when the list is done
 */
public record Page<T>(List<T> items, byte[] next) {
}
