package io.sessionizer.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigTest {
    private static final Setting<Integer> PORT = Setting.port("http.port", 8080, "port");
    private static final Setting<Duration> IDLE = Setting.duration("session.idle-timeout", "30m", "idle");
    private static final Setting<Long> SIZE = Setting.bytes("max.size", "4MiB", "size");
    private static final Setting<List<String>> KEYS = Setting.list("session.keys", "a,b", "keys");
    private static final List<Setting<?>> ALL = List.of(PORT, IDLE, SIZE, KEYS);

    @TempDir
    Path dir;

    @Test
    void shouldUseDefaults() {
        Config config = Config.load(ALL, Map.of(), Map.of());
        assertThat(config.get(PORT)).isEqualTo(8080);
        assertThat(config.get(IDLE)).isEqualTo(Duration.ofMinutes(30));
        assertThat(config.get(SIZE)).isEqualTo(4L * 1024 * 1024);
        assertThat(config.get(KEYS)).containsExactly("a", "b");
    }

    @Test
    void shouldLayerFileThenEnvironmentThenOverrides() throws Exception {
        Path file = dir.resolve("app.properties");
        Files.writeString(file, "http.port=1000\nsession.idle-timeout=5m\nkafka.linger.ms=7\n");
        Map<String, String> env = Map.of("SESSIONIZER_CONFIG_FILE", file.toString(),
                "SESSIONIZER_SESSION_IDLE_TIMEOUT", "PT1H", "SESSIONIZER_HTTP_PORT", "2000",
                "KAFKA_BOOTSTRAP_SERVERS", "broker:9092", "KAFKA_HEAP_OPTS", "-Xmx1g");
        Config config = Config.load(ALL, env, Map.of("http.port", "3000"));
        assertThat(config.get(PORT)).isEqualTo(3000);
        assertThat(config.get(IDLE)).isEqualTo(Duration.ofHours(1));
        assertThat(config.kafkaProperties()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "linger.ms", "7", "bootstrap.servers", "broker:9092"));
    }

    @Test
    void shouldMapKafkaVariablesWithoutTheStartScriptOnes() {
        assertThat(Config.kafkaPropertiesFromEnvironment(Map.of("KAFKA_BOOTSTRAP_SERVERS", "broker:9092",
                "KAFKA_SASL_JAAS_CONFIG", "secret", "KAFKA_HEAP_OPTS", "-Xmx1g", "KAFKA_OPTS", "-Dx",
                "SESSIONIZER_HTTP_PORT", "1")))
                .isEqualTo(Map.of("bootstrap.servers", "broker:9092", "sasl.jaas.config", "secret"));
    }

    @Test
    void shouldNameTheKeyAndSourceOfABadValue() {
        assertThatThrownBy(() -> Config.load(ALL, Map.of("SESSIONIZER_HTTP_PORT", "70000"), Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("http.port")
                .hasMessageContaining("SESSIONIZER_HTTP_PORT")
                .hasMessageContaining("between 0 and 65535");
        assertThatThrownBy(() -> Config.load(ALL, Map.of(), Map.of("session.idle-timeout", "soon")))
                .hasMessageContaining("session.idle-timeout").hasMessageContaining("not a duration");
        assertThatThrownBy(() -> Config.load(ALL, Map.of(), Map.of("max.size", "lots")))
                .hasMessageContaining("max.size").hasMessageContaining("not a size");
    }

    @Test
    void shouldRejectUnknownKeysInFilesAndOverrides() throws Exception {
        Path file = dir.resolve("typo.properties");
        Files.writeString(file, "http.prot=1\n");
        assertThatThrownBy(() -> Config.load(ALL, Map.of(), Map.of(Config.CONFIG_FILE_KEY, file.toString())))
                .hasMessageContaining("http.prot").hasMessageContaining(file.toString());
        assertThatThrownBy(() -> Config.load(ALL, Map.of(), Map.of("nope", "1"))).hasMessageContaining("nope");
    }

    @Test
    void shouldIgnoreEnvironmentVariablesOfOtherServices() {
        Config config = Config.load(ALL, Map.of("SESSIONIZER_GRPC_PORT", "4317"), Map.of());
        assertThat(config.get(PORT)).isEqualTo(8080);
    }

    @Test
    void shouldDeriveTheEnvironmentVariableFromTheKey() {
        assertThat(IDLE.envName()).isEqualTo("SESSIONIZER_SESSION_IDLE_TIMEOUT");
    }
}
