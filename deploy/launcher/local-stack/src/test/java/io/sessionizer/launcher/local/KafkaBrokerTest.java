package io.sessionizer.launcher.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class KafkaBrokerTest {
    private final Properties props = KafkaBroker.serverProperties(19092, 19093, Path.of("data/kafka"));

    @Test
    void shouldRunBrokerAndControllerInOneProcessOnTheGivenPorts() {
        assertThat(props.getProperty("process.roles")).isEqualTo("broker,controller");
        assertThat(props.getProperty("listeners"))
                .isEqualTo("PLAINTEXT://localhost:19092,CONTROLLER://localhost:19093");
        assertThat(props.getProperty("advertised.listeners")).isEqualTo("PLAINTEXT://localhost:19092");
        assertThat(props.getProperty("controller.quorum.bootstrap.servers")).isEqualTo("localhost:19093");
    }

    @Test
    void shouldGiveInternalTopicsOneReplicaSoThatExactlyOnceStreamsCanStart() {
        assertThat(props).containsEntry("offsets.topic.replication.factor", "1")
                .containsEntry("transaction.state.log.replication.factor", "1")
                .containsEntry("transaction.state.log.min.isr", "1")
                .containsEntry("share.coordinator.state.topic.replication.factor", "1")
                .containsEntry("share.coordinator.state.topic.min.isr", "1");
    }

    @Test
    void shouldLetARestartedBrokerRegisterSoonAfterACrash() {
        assertThat(props).containsEntry("broker.session.timeout.ms", "3000")
                .containsEntry("broker.heartbeat.interval.ms", "500");
    }

    @Test
    void shouldKeepDataInAnAbsoluteDirectoryWhateverTheWorkingDirectory() {
        assertThat(Path.of(props.getProperty("log.dirs"))).isAbsolute().endsWithRaw(Path.of("data", "kafka"));
    }
}
