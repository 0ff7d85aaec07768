"""The package's modules import one another in one direction only."""

import ast
import re
from pathlib import Path

import modern_convnets

PACKAGE = Path(modern_convnets.__file__).parent


def imports_of(path: Path) -> set[str]:
    """Package modules a file imports anywhere, function-level imports included."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "modern_convnets":
                found |= {alias.name for alias in node.names}
            elif node.module.startswith("modern_convnets."):
                found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found |= {
                alias.name.split(".")[1]
                for alias in node.names
                if alias.name.startswith("modern_convnets.")
            }
    return found - {path.stem}


def import_graph() -> dict[str, set[str]]:
    return {path.stem: imports_of(path) for path in PACKAGE.glob("*.py")}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle as a list of modules (first == last), or None."""
    done: set[str] = set()

    def visit(module: str, stack: list[str]) -> list[str] | None:
        if module in stack:
            return [*stack[stack.index(module) :], module]
        if module in done:
            return None
        for dependency in sorted(graph.get(module, ())):
            cycle = visit(dependency, [*stack, module])
            if cycle:
                return cycle
        done.add(module)
        return None

    for module in sorted(graph):
        cycle = visit(module, [])
        if cycle:
            return cycle
    return None


def test_find_cycle_finds_function_level_cycles():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycle_in_the_package():
    graph = import_graph()
    assert {"models", "shipped", "train", "transfer", "graph"} <= set(graph)
    assert {"variants", "ablation", "ablation_results"} <= set(graph)
    assert find_cycle(graph) is None


def test_architectures_and_layer_tables_stand_alone():
    graph = import_graph()
    assert graph["models"] == {"blocks"}
    assert graph["diagram"] == {"_keras_internals"}
    assert "transfer" not in graph["train"]
    assert graph["variants"] == {"models"}


def test_the_ablation_trains_and_scores_through_the_one_trainer():
    graph = import_graph()
    assert {"train", "evaluation", "variants"} <= graph["ablation"]
    assert not {"ablation", "ablation_results"} & graph["train"]


def test_keras_internals_are_read_in_one_module_at_the_bottom():
    graph = import_graph()
    assert graph["_keras_internals"] == set()
    for module in ("graph", "diagram", "receptive_field", "export"):
        assert "_keras_internals" in graph[module], module
    # Only that module names Keras's private API or its config layout.
    private = re.compile(
        r"keras\.src|_run_through_graph|keras_history|__keras_tensor__"
    )
    for path in PACKAGE.glob("*.py"):
        if path.stem != "_keras_internals":
            found = private.findall(path.read_text())
            assert not found, f"{path.name} reads Keras internals: {found}"


def test_drawing_modules_build_only_on_what_they_draw():
    graph = import_graph()
    assert graph["figures"] == graph["grids"] == graph["charts"] == set()
    assert graph["separable_diagram"] == set()  # reads the layers it is given
    assert graph["activation_plots"] == {"activations", "grids"}
    assert graph["heatmaps"] == {"photos"}
    # Grad-CAM computes maps; drawing them is left to the drawing modules.
    assert not graph["gradcam"] & {"heatmaps", "figures", "grids", "charts"}
    assert "plotting" not in graph


def test_the_reference_lists_every_module_after_those_it_imports():
    """The API reference reads like the guide: each module builds on earlier ones."""
    reference = Path(__file__).parents[1] / "docs" / "reference.md"
    order = re.findall(r"^::: modern_convnets\.(\w+)$", reference.read_text(), re.M)
    public = {p.stem for p in PACKAGE.glob("*.py") if not p.stem.startswith("_")}
    assert sorted(order) == sorted(public)
    graph = import_graph()
    for i, module in enumerate(order):
        later = graph[module] & set(order[i + 1 :])
        assert not later, f"{module} imports {sorted(later)}, listed after it"
