"""Cache keys for executed pages: the notebook plus what its code can reach.

A page's outputs depend on its notebook (mkdocs-jupyter hashes that itself),
on the package modules its code imports, directly or through other modules,
on the package's data files (trained models, results, the figure style) and
on what every kernel runs first. Editing `gradcam.py` then re-executes only
the pages that import it; editing a data file re-executes every page.

`PageCache` points mkdocs-jupyter at the folder of each page's key, and
removes the folders no page used. Set MODERN_CONVNETS_DOCS_CACHE=0 to execute
every page regardless.

Imports are found statically (`ast`), so an import built at run time
(`importlib.import_module(name)`) is not seen: the package has none.
"""

from __future__ import annotations

import ast
import hashlib
import json
import logging
import shutil
from collections.abc import Iterable, MutableMapping
from pathlib import Path

log = logging.getLogger("mkdocs.hooks.modern_convnets")


def _imported_names(source: str) -> set[str]:
    """Dotted names a module's code imports, with `from a import b` as `a.b`."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            # `from package import module` imports a module, not a name.
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def notebook_code(path: Path) -> str:
    """The code of a jupytext percent-format notebook or an `.ipynb` file.

    Percent-format pages are Python files whose Markdown cells are comments,
    so the file parses as it is; `%` magics are blanked.
    """
    text = path.read_text()
    if path.suffix == ".ipynb":
        cells = json.loads(text)["cells"]
        text = "\n".join(
            "".join(cell["source"]) for cell in cells if cell["cell_type"] == "code"
        )
    return "\n".join(
        "" if line.lstrip().startswith(("%", "!")) else line
        for line in text.splitlines()
    )


class PackageDependencies:
    """The modules of one package that a piece of code reaches by importing.

    Args:
        package_dir: The package's folder (holding `__init__.py`).

    Example:
        >>> deps = PackageDependencies(Path("src/modern_convnets"))
        >>> "modern_convnets.graph" in deps.closure("import modern_convnets.gradcam")
        True
    """

    def __init__(self, package_dir: Path) -> None:
        self.package_dir = package_dir
        self.package = package_dir.name
        self._modules = {
            self._module_name(path): path
            for path in sorted(package_dir.rglob("*.py"))
            if "__pycache__" not in path.parts
        }
        self._imports = {
            name: self._resolve(_imported_names(path.read_text()))
            for name, path in self._modules.items()
        }

    def _module_name(self, path: Path) -> str:
        parts = path.relative_to(self.package_dir).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        return ".".join((self.package, *parts))

    def _resolve(self, names: Iterable[str]) -> set[str]:
        """The package's modules among `names`, with the packages above them."""
        found = set()
        for name in names:
            parts = name.split(".")
            for end in range(1, len(parts) + 1):
                prefix = ".".join(parts[:end])
                if prefix in self._modules:
                    found.add(prefix)  # importing a.b.c runs a and a.b first
        return found

    def closure(self, *sources: str) -> list[str]:
        """Every package module that `sources` import, directly or not, sorted."""
        seen: set[str] = set()
        todo = [n for s in sources for n in self._resolve(_imported_names(s))]
        while todo:
            name = todo.pop()
            if name not in seen:
                seen.add(name)
                todo.extend(self._imports[name] - seen)
        return sorted(seen)

    def data_files(self) -> list[Path]:
        """The package's files that are not Python modules, sorted."""
        return sorted(
            path
            for path in self.package_dir.rglob("*")
            if path.is_file()
            and path.suffix not in (".py", ".pyc")
            and "__pycache__" not in path.parts
        )

    def digest(self, sources: Iterable[str], extra: Iterable[Path] = ()) -> str:
        """A digest of the modules `sources` reach, the data files and `extra`.

        Args:
            sources: Code whose imports to follow (a page's code and the
                kernels' start-up code).
            extra: Further files whose content the result depends on.

        Returns:
            16 hexadecimal digits.
        """
        digest = hashlib.sha256()
        files = [self._modules[name] for name in self.closure(*sources)]
        for path in [*files, *self.data_files(), *extra]:
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
        return digest.hexdigest()[:16]


def cache_enabled(setting: str | None) -> bool:
    """Whether to cache executed pages, from MODERN_CONVNETS_DOCS_CACHE.

    Args:
        setting: The variable's value: "1" or unset to cache, "0" to execute
            every page.

    Returns:
        True unless `setting` is "0".

    Example:
        >>> cache_enabled("0")
        False
    """
    if setting not in (None, "0", "1"):
        raise ValueError(
            f"MODERN_CONVNETS_DOCS_CACHE must be 0 (execute every page) or 1 "
            f"(cache), not {setting!r}"
        )
    return setting != "0"


class PageCache:
    """Points mkdocs-jupyter's cache at a folder keyed by each page's inputs.

    mkdocs-jupyter caches an executed notebook by the notebook file alone,
    in the folder its `cache_dir` option names. Before each page, `select`
    sets that option to a folder named by the page's digest.

    Args:
        plugin_config: mkdocs-jupyter's configuration, whose `cache_dir` is set.
        base: The folder that holds one cache folder per key.
        package_dir: The package the pages import.
        kernel_startup: What every kernel runs first.
        kernel_files: The kernels' profile files, part of every key.

    Example:
        ```python
        cache = PageCache(
            plugin.config,
            Path(".cache/mkdocs-jupyter"),
            Path("src/modern_convnets"),
            Path("website/kernel_startup.py"),
        )
        cache.select(Path("docs/part-b/gradcam.py"))  # the next page's folder
        ```
    """

    def __init__(
        self,
        plugin_config: MutableMapping[str, object],
        base: Path,
        package_dir: Path,
        kernel_startup: Path,
        kernel_files: Iterable[Path] = (),
    ) -> None:
        self.plugin_config = plugin_config
        self.base = base
        self.dependencies = PackageDependencies(package_dir)
        self.kernel_startup = kernel_startup.read_text()
        self.kernel_files = sorted(kernel_files)
        self.used: set[Path] = set()

    def select(self, notebook: Path) -> Path:
        """Key the next page's cache entry by what `notebook`'s code reaches.

        Returns:
            The cache folder now in mkdocs-jupyter's configuration.
        """
        code = [notebook_code(notebook), self.kernel_startup]
        keyed = self.base / self.dependencies.digest(code, self.kernel_files)
        self.plugin_config["cache_dir"] = str(keyed)
        self.used.add(keyed)
        return keyed

    def prune(self) -> list[Path]:
        """Remove the cache folders that no page of this build used; return them."""
        stale = sorted(
            path
            for path in (self.base.iterdir() if self.base.is_dir() else ())
            if path not in self.used
        )
        for path in stale:
            shutil.rmtree(path) if path.is_dir() else path.unlink()
        return stale


def configure(
    plugin_config: MutableMapping[str, object],
    setting: str | None,
    base: Path,
    package_dir: Path,
    kernel_startup: Path,
    kernel_files: Iterable[Path] = (),
) -> PageCache | None:
    """The build's page cache, or None with mkdocs-jupyter's cache turned off.

    Args:
        plugin_config: mkdocs-jupyter's configuration.
        setting: MODERN_CONVNETS_DOCS_CACHE (see `cache_enabled`).
        base: As for `PageCache`.
        package_dir: As for `PageCache`.
        kernel_startup: As for `PageCache`.
        kernel_files: As for `PageCache`.

    Returns:
        A `PageCache` on `plugin_config`, or None if `setting` is "0".

    Example:
        ```python
        cache = configure(plugin.config, "0", base, package, startup)  # None
        ```
    """
    if cache_enabled(setting):
        return PageCache(plugin_config, base, package_dir, kernel_startup, kernel_files)
    plugin_config["cache"] = False
    log.info("Executing every notebook (MODERN_CONVNETS_DOCS_CACHE=0)")
    return None
