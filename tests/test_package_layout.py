"""The package's import graph reads as the data flows (docs/design.md): no import circle; data/ and layers/ know
nothing above them; evaluation/ knows no method; a method's package reaches another's only where documented."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "introgan_tf"
# A method package may use another's pieces only here: MeRGAN-ig's generator and its growth are IntroGAN's;
# DGR-ig's solver is the bounds' CNN, and it samples classes with DGR's solver-based sampler.
CROSS_METHOD_IMPORTS = {("mergan_ig", "introgan"), ("dgr_ig", "bounds"), ("dgr_ig", "dgr"), ("gan_memory", "dgr")}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path):
    """Every introgan_tf module imported anywhere in the file (lazy imports included)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("introgan_tf"):
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("introgan_tf"))
    return found


def graph():
    modules = {module_name(path): path for path in PACKAGE.rglob("*.py")}
    return {name: {m for m in imports_of(path) if m in modules and m != name} for name, path in modules.items()}


def test_no_import_circle():
    edges = graph()
    state = {}

    def visit(node, trail):
        state[node] = "open"
        for target in sorted(edges[node]):
            # A package's __init__ is imported on the way to its modules; only module-to-module edges count.
            if target in node or node.startswith(target + "."):
                continue
            assert state.get(target) != "open", "import circle: " + " -> ".join(trail + [target])
            if target not in state:
                visit(target, trail + [target])
        state[node] = "done"

    for start in sorted(edges):
        if start not in state:
            visit(start, [start])


def layer_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_lower_layers_know_nothing_above_them():
    forbidden = {"data": {"evaluation", "methods", "experiment", "layers", "evaluate_run"},
                 "layers": {"evaluation", "methods", "experiment", "data", "evaluate_run"},
                 "evaluation": {"methods", "experiment", "evaluate_run"}}
    for module, targets in graph().items():
        for target in targets:
            assert layer_of(target) not in forbidden.get(layer_of(module), set()), f"{module} imports {target}"


def test_methods_reach_other_methods_only_where_documented():
    for module, targets in graph().items():
        parts = module.split(".")
        if len(parts) < 4 or parts[1] != "methods":
            continue
        for target in targets:
            other = target.split(".")
            if len(other) >= 3 and other[1] == "methods" and other[2] not in ("common", "base", "options") \
                    and other[2] != parts[2]:
                assert (parts[2], other[2]) in CROSS_METHOD_IMPORTS, f"{module} imports {target}"
