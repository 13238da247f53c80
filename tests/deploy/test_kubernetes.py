"""The Kubernetes manifests validate, strictly (no unknown field), against the API schemas
that kubernetes-validate ships (offline), for the oldest and newest versions it knows that
the manifests target; and they hold what the deployment needs."""

import re
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
MANIFESTS = sorted((ROOT / "deploy" / "kubernetes").glob("*.yaml"))
VERSIONS = ["1.29.0", kubernetes_validate.latest_version()]


def documents() -> list[dict]:
    return [
        document
        for path in MANIFESTS
        for document in yaml.safe_load_all(path.read_text())
        if document is not None
    ]


def of_kind(kind: str) -> list[dict]:
    return [document for document in documents() if document["kind"] == kind]


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("path", MANIFESTS, ids=lambda path: path.name)
def test_each_manifest_validates_strictly(path, version):
    for document in yaml.safe_load_all(path.read_text()):
        kubernetes_validate.validate(document, version, strict=True)


def test_a_validation_error_is_caught():
    """The validator is not a rubber stamp: a probe with a misspelt field fails."""
    deployment = of_kind("Deployment")[0]
    deployment["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpget"] = {}

    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, VERSIONS[-1], strict=True)


def _image_user() -> int:
    users = re.findall(r"^USER\s+(\S+)", (ROOT / "deploy" / "Dockerfile").read_text(), re.M)
    return int(users[-1].split(":")[0])


@pytest.mark.parametrize("kind", ["Deployment", "Job"])
def test_pods_run_as_the_images_numeric_non_root_user(kind):
    for workload in of_kind(kind):
        pod = workload["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["runAsUser"] == _image_user() != 0
        for container in pod.get("initContainers", []) + pod["containers"]:
            assert container["securityContext"]["allowPrivilegeEscalation"] is False
            assert container["resources"]["requests"]["cpu"]
            assert container["resources"]["requests"]["memory"]


def test_the_server_is_probed_for_readiness_and_liveness_and_waits_for_migrations():
    (deployment,) = of_kind("Deployment")
    pod = deployment["spec"]["template"]["spec"]
    (server,) = pod["containers"]
    assert server["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert server["livenessProbe"]["httpGet"]["path"] == "/healthz"
    # Not ready within 2 s of an outage: one probe period, one failure.
    assert (
        server["readinessProbe"]["periodSeconds"] * server["readinessProbe"]["failureThreshold"]
        <= 2
    )
    assert "migrate --check" in " ".join(pod["initContainers"][0]["command"])
    (job,) = of_kind("Job")
    assert job["spec"]["template"]["spec"]["containers"][0]["command"][-2:] == [
        "migrate",
        "--no-input",
    ]


def test_disruptions_keep_a_server_and_the_ingress_keeps_websockets_open():
    (budget,) = of_kind("PodDisruptionBudget")
    (deployment,) = of_kind("Deployment")
    assert budget["spec"]["selector"] == deployment["spec"]["selector"]
    assert budget["spec"]["minAvailable"] >= 1
    (ingress,) = of_kind("Ingress")
    annotations = ingress["metadata"]["annotations"]
    assert int(annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= 3600
    assert int(annotations["nginx.ingress.kubernetes.io/proxy-send-timeout"]) >= 3600


def test_the_secret_example_names_every_required_variable():
    (secret,) = of_kind("Secret")
    required = {"SECRET_KEY", "COUNTERPART_MASTER_KEYS", "DATABASE_URL", "REDIS_URL"}
    required |= {"ALLOWED_HOSTS", "COUNTERPART_ORIGIN", "COUNTERPART_PRODUCTION"}
    assert required <= set(secret["stringData"])
