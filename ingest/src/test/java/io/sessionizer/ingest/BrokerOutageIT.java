package io.sessionizer.ingest;

import static io.sessionizer.ingest.HttpPoster.PROTOBUF;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.rpc.Status;
import com.linecorp.armeria.client.grpc.GrpcClients;
import io.grpc.StatusRuntimeException;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.sessionizer.config.Config;
import io.sessionizer.testing.KafkaTestCluster;
import io.sessionizer.testing.OtlpLogs;
import io.sessionizer.testing.OtlpTraces;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * A broker that goes away and comes back: ingest must answer retryably within its send timeout, never claim success
 * while it is down, succeed again once it is back, and have stored everything it acknowledged.
 */
class BrokerOutageIT {

    @Test
    void shouldAnswerRetryableErrorsWhileTheBrokerIsDownAndLoseNothingAcknowledged() throws Exception {
        KafkaTestCluster kafka = KafkaTestCluster.start();
        Set<String> acknowledged = new HashSet<>();
        String topic = KafkaTestCluster.uniqueName("otlp_spans");
        String logsTopic = KafkaTestCluster.uniqueName("otlp_logs");
        kafka.createTopics(1, topic, logsTopic);
        Config config = Config.load(IngestSettings.all(), Map.of(), Map.of("http.port", "0", "grpc.port", "0",
                "topic.spans", topic, "topic.logs", logsTopic, "producer.send-timeout", "1s", "readiness.interval", "300ms",
                "readiness.timeout", "1s", "shutdown.timeout", "2s",
                "kafka.bootstrap.servers", kafka.bootstrapServers()));
        try (IngestServer server = IngestServer.start(config)) {
            HttpPoster http = new HttpPoster(server.httpPort());
            await().atMost(Duration.ofSeconds(20)).until(server::isReady);
            // The first send also fetches metadata and a producer id, which a busy machine may not do within 1s.
            await().atMost(Duration.ofSeconds(30)).until(() -> post(http, acknowledged) == 200);

            kafka.stopBroker();

            await().atMost(Duration.ofSeconds(20)).until(() -> http.get("/readyz").statusCode() == 503);
            assertThat(server.isReady()).isFalse();
            for (int i = 0; i < 2; i++) {
                long start = System.nanoTime();
                ExportTraceServiceRequest request = OtlpTraces.request(2, 2);
                HttpResponse<byte[]> response = http.post(PROTOBUF, request.toByteArray());
                Duration took = Duration.ofNanos(System.nanoTime() - start);

                assertThat(response.statusCode()).isEqualTo(503);
                assertThat(response.headers().firstValue("retry-after")).hasValue("5");
                assertThat(Status.parseFrom(response.body()).getMessage()).contains("retry later");
                // Bounded by the send timeout, not by Kafka's own retries.
                assertThat(took).isLessThan(Duration.ofSeconds(4));
            }
            StatusRuntimeException grpcError = null;
            try {
                GrpcClients.builder("http://127.0.0.1:" + server.grpcPort())
                        .build(TraceServiceGrpc.TraceServiceBlockingStub.class)
                        .export(OtlpTraces.request(1, 1));
            } catch (StatusRuntimeException e) {
                grpcError = e;
            }
            assertThat(grpcError).isNotNull();
            assertThat(grpcError.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.UNAVAILABLE);
            HttpResponse<byte[]> logsDown = http.logs().post(PROTOBUF, OtlpLogs.request(1, 1).toByteArray());
            assertThat(logsDown.statusCode()).isEqualTo(503);
            assertThat(logsDown.headers().firstValue("retry-after")).hasValue("5");

            kafka.startBroker();
            await().atMost(Duration.ofSeconds(60)).until(server::isReady);
            await().atMost(Duration.ofSeconds(60)).until(() -> post(http, acknowledged) == 200);
            for (int i = 0; i < 5; i++) {
                assertThat(post(http, acknowledged)).isEqualTo(200);
            }

            List<ConsumerRecord<byte[], byte[]>> stored = TopicReader.recordsWithKeys(kafka.bootstrapServers(), topic,
                    acknowledged, acknowledged.size());
            assertThat(stored).extracting(TopicReader::key).containsAll(acknowledged);
            ExportLogsServiceRequest logs = OtlpLogs.request(2, 1);
            assertThat(http.logs().post(PROTOBUF, logs.toByteArray()).statusCode()).isEqualTo(200);
            Set<String> logTraces = new HashSet<>();
            OtlpLogs.records(logs).forEach(r -> logTraces.add(OtlpTraces.hex(r.getTraceId())));
            assertThat(TopicReader.recordsWithKeys(kafka.bootstrapServers(), logsTopic, logTraces, 2))
                    .extracting(TopicReader::key).containsExactlyInAnyOrderElementsOf(logTraces);
        } finally {
            kafka.stop();
        }
    }

    /** Posts a request of two traces; remembers its trace ids when the answer is 200. */
    private static int post(HttpPoster http, Set<String> acknowledged) throws Exception {
        ExportTraceServiceRequest request = OtlpTraces.request(2, 2);
        int status = http.post(PROTOBUF, request.toByteArray()).statusCode();
        if (status == 200) {
            OtlpTraces.spans(request).forEach(span -> acknowledged.add(OtlpTraces.hex(span.getTraceId())));
        }
        return status;
    }
}
