"""Every environment variable the settings read is documented and listed in the example.

The variables are found by walking the syntax tree of `network/settings.py` (every call of an
env helper or `os.environ.get`, every `os.environ[...]`), and the walk must find the variables
DESIGN.md names, so these tests cannot pass by finding nothing."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The settings' helpers (envbool, envint, envrate, ...) all start with "env".
ENV_HELPERS = {"getenv"}
# Named in DESIGN.md and read by every deployment: the walk must see them.
CORE_VARIABLES = {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "COUNTERPART_MASTER_KEYS"}


def _is_env_read(call: ast.Call) -> bool:
    function = call.func
    if isinstance(function, ast.Name):
        return function.id.startswith("env") or function.id in ENV_HELPERS
    if isinstance(function, ast.Attribute):
        reads_environ = function.attr == "get" and ast.unparse(function.value) == "os.environ"
        return reads_environ or function.attr in ENV_HELPERS
    return False


def env_reads() -> tuple[set[str], list[str]]:
    """The variable names read with a literal name, and any read whose name is computed."""
    tree = ast.parse((ROOT / "network" / "settings.py").read_text())
    names: set[str] = set()
    computed: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _is_env_read(node):
            first = node.args[0] if node.args else None
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                names.add(first.value)
            else:
                computed.append(ast.unparse(node))
        elif isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ":
            computed.append(ast.unparse(node))
    return names, computed


def variables_read_by_settings() -> set[str]:
    return env_reads()[0]


def test_the_settings_walk_finds_every_variable_by_name():
    """The core variables are found, and no variable is read under a computed name that the
    documentation checks below could not see."""
    names, computed = env_reads()
    assert names >= CORE_VARIABLES, f"not found in network/settings.py: {CORE_VARIABLES - names}"
    assert not computed, f"environment read under a computed name: {computed}"


def test_every_variable_is_in_the_configuration_docs():
    documented = (ROOT / "docs" / "configuration.md").read_text()

    missing = {name for name in variables_read_by_settings() if f"`{name}`" not in documented}

    assert not missing, f"undocumented in docs/configuration.md: {sorted(missing)}"


def test_every_variable_is_in_the_production_example():
    example = (ROOT / "deploy" / ".env.example").read_text()
    listed = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", example, flags=re.MULTILINE))
    assert listed >= CORE_VARIABLES, f"not found in deploy/.env.example: {CORE_VARIABLES - listed}"

    missing = variables_read_by_settings() - listed - {"COUNTERPART_DEMO", "COUNTERPART_DEBUG"}

    assert not missing, f"missing from deploy/.env.example: {sorted(missing)}"
