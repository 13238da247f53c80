"""deploy/compose.yaml validates against the Compose Specification's JSON schema (vendored:
tests/deploy/README.md), and starts each service only once what it needs is healthy."""

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((Path(__file__).parent / "compose-spec.json").read_text())


def compose() -> dict:
    return yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())


def test_compose_file_validates_against_the_compose_specification():
    jsonschema.Draft7Validator.check_schema(SCHEMA)

    jsonschema.Draft7Validator(SCHEMA).validate(compose())


def test_a_compose_error_is_caught():
    """The schema is not a rubber stamp: an unknown depends_on condition fails."""
    broken = compose()
    broken["services"]["app"]["depends_on"]["db"]["condition"] = "service_ready"

    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft7Validator(SCHEMA).validate(broken)


def test_services_wait_for_healthy_dependencies_and_a_finished_migration():
    services = compose()["services"]
    for name in ("db", "redis", "app"):
        assert services[name]["healthcheck"]["test"], name
    assert services["migrate"]["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert services["app"]["depends_on"] == {
        "db": {"condition": "service_healthy"},
        "redis": {"condition": "service_healthy"},
        "migrate": {"condition": "service_completed_successfully"},
    }
    assert "/readyz" in " ".join(services["app"]["healthcheck"]["test"])
    assert services["app"]["user"] == services["migrate"]["user"] == "10001:10001"
