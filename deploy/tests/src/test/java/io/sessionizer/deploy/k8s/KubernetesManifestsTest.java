package io.sessionizer.deploy.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1Job;
import io.kubernetes.client.openapi.models.V1PodDisruptionBudget;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.openapi.models.V1StatefulSet;
import io.kubernetes.client.openapi.models.V2HorizontalPodAutoscaler;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Checks deploy/k8s against the Kubernetes API's schemas, offline: each manifest goes through the
 * {@code validateJsonElement} of the official Kubernetes Java client's model of its kind, which is generated from the
 * Kubernetes OpenAPI document and refuses unknown fields (as {@code kubectl --validate=strict} does), missing
 * required fields and values of the wrong JSON type, at every depth.
 */
class KubernetesManifestsTest {
    private static final Path DIR = Path.of("..", "k8s");
    private static final YAMLMapper YAML = new YAMLMapper();

    /** The kinds deploy/k8s uses, by apiVersion/kind. */
    private static final Map<String, Validator> VALIDATORS = Map.of(
            "v1/ConfigMap", V1ConfigMap::validateJsonElement,
            "v1/Service", V1Service::validateJsonElement,
            "apps/v1/Deployment", V1Deployment::validateJsonElement,
            "apps/v1/StatefulSet", V1StatefulSet::validateJsonElement,
            "batch/v1/Job", V1Job::validateJsonElement,
            "autoscaling/v2/HorizontalPodAutoscaler", V2HorizontalPodAutoscaler::validateJsonElement,
            "policy/v1/PodDisruptionBudget", V1PodDisruptionBudget::validateJsonElement);

    private interface Validator {
        void validate(JsonElement manifest) throws IOException;
    }

    @Test
    void shouldMatchTheKubernetesSchemas() throws IOException {
        List<JsonNode> manifests = manifests();

        assertThat(manifests).extracting(KubernetesManifestsTest::kind).contains("apps/v1/Deployment",
                "apps/v1/StatefulSet", "autoscaling/v2/HorizontalPodAutoscaler", "policy/v1/PodDisruptionBudget");
        for (JsonNode manifest : manifests) {
            validate(manifest);
        }
    }

    @Test
    void shouldRejectAMisspelledField() throws IOException {
        JsonNode statefulSet = only("apps/v1/StatefulSet");
        ObjectNode container = (ObjectNode) statefulSet.at("/spec/template/spec/containers/0");
        container.set("readynessProbe", container.remove("readinessProbe"));

        assertThatThrownBy(() -> validate(statefulSet)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("readynessProbe");
    }

    @Test
    void shouldAdvertiseEachAggregatorPodByItsNameInTheHeadlessService() throws IOException {
        JsonNode statefulSet = only("apps/v1/StatefulSet");
        String headless = statefulSet.at("/spec/serviceName").asText();
        JsonNode service = manifests().stream()
                .filter(m -> kind(m).equals("v1/Service") && m.at("/metadata/name").asText().equals(headless))
                .findFirst().orElseThrow();
        JsonNode container = statefulSet.at("/spec/template/spec/containers/0");

        assertThat(service.at("/spec/clusterIP").asText()).isEqualTo("None");
        assertThat(env(container, "SESSIONIZER_APPLICATION_SERVER"))
                .isEqualTo("$(POD_NAME)." + headless + ".$(POD_NAMESPACE).svc.cluster.local:8080");
        assertThat(env(container, "SESSIONIZER_STANDBY_REPLICAS")).isEqualTo("1");
        assertThat(container.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/readyz");
        assertThat(container.at("/livenessProbe/httpGet/path").asText()).isEqualTo("/healthz");
        assertThat(statefulSet.at("/spec/volumeClaimTemplates/0/metadata/name").asText())
                .isEqualTo(container.at("/volumeMounts/0/name").asText());
    }

    @Test
    void shouldListEveryManifestInTheKustomization() throws IOException {
        JsonNode kustomization = YAML.readTree(DIR.resolve("kustomization.yaml").toFile());
        List<String> listed = new ArrayList<>();
        kustomization.path("resources").forEach(resource -> listed.add(resource.asText()));

        assertThat(listed).containsExactlyInAnyOrderElementsOf(manifestFiles().stream()
                .map(file -> file.getFileName().toString()).toList());
    }

    private static void validate(JsonNode manifest) throws IOException {
        Validator validator = VALIDATORS.get(kind(manifest));
        assertThat(validator).as("a schema for %s", kind(manifest)).isNotNull();
        validator.validate(JsonParser.parseString(manifest.toString()));
    }

    private static String kind(JsonNode manifest) {
        return manifest.path("apiVersion").asText() + "/" + manifest.path("kind").asText();
    }

    private static String env(JsonNode container, String name) {
        for (JsonNode variable : container.path("env")) {
            if (variable.path("name").asText().equals(name)) {
                return variable.path("value").asText();
            }
        }
        throw new AssertionError("no " + name + " in " + container.path("name"));
    }

    private static JsonNode only(String kind) throws IOException {
        List<JsonNode> found = manifests().stream().filter(m -> kind(m).equals(kind)).toList();
        assertThat(found).hasSize(1);
        return found.get(0);
    }

    private static List<JsonNode> manifests() throws IOException {
        List<JsonNode> manifests = new ArrayList<>();
        for (Path file : manifestFiles()) {
            try (var documents = YAML.readValues(YAML.createParser(file.toFile()), JsonNode.class)) {
                documents.forEachRemaining(manifests::add);
            }
        }
        return manifests;
    }

    private static List<Path> manifestFiles() throws IOException {
        try (Stream<Path> files = Files.list(DIR)) {
            return files.filter(f -> f.toString().endsWith(".yaml") && !f.endsWith("kustomization.yaml"))
                    .sorted().toList();
        }
    }
}
