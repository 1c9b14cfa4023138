package io.sessionizer.aggregator.store;

import java.util.Map;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.Cache;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.WriteBufferManager;

/**
 * Bounds the memory of every RocksDB store of the process together, as the Kafka Streams memory-management guide
 * describes: one LRU block cache holds data, index and filter blocks of all stores, and one write-buffer manager
 * charges every memtable to that same cache. The total is {@value #TOTAL_MEMORY_CONFIG} from the Streams properties.
 *
 * <p>The cache and the manager are shared by every store and live as long as the process, so {@link #close} frees
 * only what belongs to one store; closing the shared objects there would break the stores still open.
 */
public final class BoundedMemoryRocksDbConfig implements RocksDBConfigSetter {
    /** Streams property with the total off-heap bytes of all stores' block cache and memtables. */
    public static final String TOTAL_MEMORY_CONFIG = "sessionizer.rocksdb.total.memory.bytes";
    /** Share of the total that memtables may take; the rest is block cache. */
    private static final double MEMTABLE_SHARE = 0.5;
    /** Index and filter blocks get the cache's high-priority pool, so data blocks cannot evict them. */
    private static final double HIGH_PRIORITY_SHARE = 0.1;
    private static final long BLOCK_SIZE = 16 * 1024;

    private static Cache cache;
    private static WriteBufferManager writeBufferManager;
    private static long configuredTotal;

    private BloomFilter filter;

    private static synchronized void initShared(long totalBytes) {
        if (cache == null) {
            cache = new LRUCache(totalBytes, -1, false, HIGH_PRIORITY_SHARE);
            writeBufferManager = new WriteBufferManager((long) (totalBytes * MEMTABLE_SHARE), cache);
            configuredTotal = totalBytes;
        }
    }

    /** The bound in force in this process, or 0 before the first store opened. */
    public static synchronized long configuredTotalBytes() {
        return configuredTotal;
    }

    @Override
    public void setConfig(String storeName, Options options, Map<String, Object> configs) {
        Object total = configs.get(TOTAL_MEMORY_CONFIG);
        if (total == null) {
            throw new IllegalStateException(TOTAL_MEMORY_CONFIG + " is not set in the Streams properties");
        }
        initShared(Long.parseLong(total.toString()));
        BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
        table.setBlockCache(cache);
        table.setCacheIndexAndFilterBlocks(true);
        table.setCacheIndexAndFilterBlocksWithHighPriority(true);
        table.setPinTopLevelIndexAndFilter(true);
        table.setBlockSize(BLOCK_SIZE);
        filter = new BloomFilter(10);
        table.setFilterPolicy(filter);
        options.setWriteBufferManager(writeBufferManager);
        options.setTableFormatConfig(table);
    }

    @Override
    public void close(String storeName, Options options) {
        filter.close();
    }
}
