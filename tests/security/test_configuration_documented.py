"""Every environment variable the settings read is documented and listed in the example."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def variables_read_by_settings() -> set[str]:
    source = (ROOT / "network" / "settings.py").read_text()
    calls = r'(?:envbool|envint|envlist|envrate|envsecret|os\.environ\.get)\(\s*"([A-Z][A-Z0-9_]+)"'
    return set(re.findall(calls, source))


def test_every_variable_is_in_the_configuration_docs():
    documented = (ROOT / "docs" / "configuration.md").read_text()

    missing = {name for name in variables_read_by_settings() if f"`{name}`" not in documented}

    assert not missing, f"undocumented in docs/configuration.md: {sorted(missing)}"


def test_every_variable_is_in_the_production_example():
    example = (ROOT / "deploy" / ".env.example").read_text()
    listed = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", example, flags=re.MULTILINE))

    missing = variables_read_by_settings() - listed - {"COUNTERPART_DEMO", "COUNTERPART_DEBUG"}

    assert not missing, f"missing from deploy/.env.example: {sorted(missing)}"
