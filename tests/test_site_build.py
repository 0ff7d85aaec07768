"""The site build's modules: page cache keys, figure files, styles, the lab."""

from __future__ import annotations

import base64
import doctest
import importlib
import importlib.metadata
import io
import json
import os
import pkgutil
from pathlib import Path

import numpy as np
import pytest
import site_build
from PIL import Image
from site_build import kernel_profile, lab_assets, model_files, notebook_files
from site_build.build_state import SitePaths
from site_build.figure_files import INLINE_LIMIT, FigureFiles, encode
from site_build.home_figures import HomeFigures, PageFigure, tagged_figure
from site_build.page_cache import (
    PackageDependencies,
    PageCache,
    cache_enabled,
    configure,
    notebook_code,
)
from site_build.shared_styles import SharedStyles, site_root

REPO = Path(__file__).resolve().parents[1]
MODULES = sorted(
    info.name for info in pkgutil.iter_modules(site_build.__path__, "site_build.")
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name, monkeypatch):
    monkeypatch.chdir(REPO)  # the examples name the repository's files
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, verbose=False)
    assert result.failed == 0


def test_every_job_is_a_module():
    assert [name.split(".")[1] for name in MODULES] == [
        "backend_tabs",
        "build_state",
        "cell_markup",
        "figure_files",
        "home_figures",
        "kernel_profile",
        "lab_assets",
        "mathjax",
        "model_files",
        "notebook_files",
        "page_cache",
        "shared_styles",
    ]


def _package(root: Path) -> Path:
    package = root / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text('"""A package."""\n')
    (package / "a.py").write_text("from pkg.b import thing\n")
    (package / "b.py").write_text("import numpy\nfrom pkg import c\nthing = 1\n")
    (package / "c.py").write_text("x = 1\n")
    (package / "d.py").write_text("def f():\n    from pkg.sub.e import y\n")
    (package / "sub" / "__init__.py").write_text("")
    (package / "sub" / "e.py").write_text("y = 2\n")
    (package / "style.mplstyle").write_text("figure.dpi: 100\n")
    return package


def test_closure_follows_imports_transitively(tmp_path):
    deps = PackageDependencies(_package(tmp_path))
    assert deps.closure("import pkg.a") == ["pkg", "pkg.a", "pkg.b", "pkg.c"]
    # `from package import module`, and imports inside functions.
    assert deps.closure("from pkg import d") == [
        "pkg",
        "pkg.d",
        "pkg.sub",
        "pkg.sub.e",
    ]
    assert deps.closure("import numpy as np") == []


def test_digest_changes_only_with_what_the_code_reaches(tmp_path):
    package = _package(tmp_path)
    before_a = PackageDependencies(package).digest(["import pkg.a"])
    before_d = PackageDependencies(package).digest(["import pkg.d"])
    (package / "c.py").write_text("x = 2\n")
    assert PackageDependencies(package).digest(["import pkg.a"]) != before_a
    assert PackageDependencies(package).digest(["import pkg.d"]) == before_d
    # Data files count for every page.
    (package / "style.mplstyle").write_text("figure.dpi: 200\n")
    assert PackageDependencies(package).digest(["import pkg.d"]) != before_d


def test_extra_files_enter_the_digest(tmp_path):
    deps = PackageDependencies(_package(tmp_path))
    extra = tmp_path / "startup.py"
    extra.write_text("a = 1\n")
    before = deps.digest(["import pkg.c"], [extra])
    extra.write_text("a = 2\n")
    assert deps.digest(["import pkg.c"], [extra]) != before


def test_notebook_code_blanks_magics(tmp_path):
    page = tmp_path / "page.py"
    page.write_text("# %% [markdown]\n# Text\n\n# %%\n%matplotlib inline\nimport os\n")
    code = notebook_code(page)
    assert "%matplotlib" not in code
    assert "import os" in code


def test_each_page_reexecutes_only_for_modules_it_reaches():
    deps = PackageDependencies(REPO / "src" / "modern_convnets")
    startup = (REPO / "website" / "kernel_startup.py").read_text()
    pages = sorted((REPO / "docs").rglob("*.py"))
    reaches = {
        page.relative_to(REPO / "docs").as_posix(): deps.closure(
            notebook_code(page), startup
        )
        for page in pages
    }
    using = {
        module: sorted(p for p, mods in reaches.items() if module in mods)
        for module in ("modern_convnets.gradcam", "modern_convnets.filters")
    }
    assert using["modern_convnets.gradcam"] == ["part-b/gradcam.py"]
    # The feature-visualisation page reaches filters through feature_study.
    assert using["modern_convnets.filters"] == [
        "part-b/feature-visualisation.py",
        "part-b/filters.py",
    ]
    # Every page's kernel takes the figure style and captions from `figures`;
    # the training charts reach only the pages that draw them.
    assert all("modern_convnets.figures" in mods for mods in reaches.values())
    assert [p for p, mods in reaches.items() if "modern_convnets.charts" in mods] == [
        "part-a/mini-xception.py",
        "part-a/small-convnet.py",
        "part-a/what-each-ingredient-buys.py",
    ]


def _png(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, "PNG")
    return buffer.getvalue()


def _plot_like() -> np.ndarray:
    """Few flat colours and sharp edges, as a line plot has."""
    image = np.full((240, 400, 3), 255, np.uint8)
    x = np.arange(400)
    for k, colour in enumerate([(31, 119, 180), (255, 127, 14), (44, 160, 44)]):
        y = (120 + 80 * np.sin(x / (9 + 4 * k) + k)).astype(int)
        image[y, x] = colour
        image[y + 1, x] = colour
    image[:, ::25] = 0
    return image


def _photo_like() -> np.ndarray:
    """Smooth gradients with fine noise, as photos and filter patterns have."""
    rng = np.random.default_rng(0)
    ramp = np.linspace(0, 200, 300)[None, :, None] + np.zeros((200, 300, 3))
    return np.clip(ramp + rng.normal(0, 20, ramp.shape), 0, 255).astype(np.uint8)


def test_plots_stay_lossless_and_photos_go_lossy():
    plot = _plot_like()
    data, extension = encode(_png(plot))
    assert extension == "webp"
    decoded = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
    np.testing.assert_array_equal(decoded, plot)

    photo = _photo_like()
    data, _ = encode(_png(photo))
    decoded = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
    assert not np.array_equal(decoded, photo)  # lossy
    assert len(data) * 2 < len(_png(photo))


def _img(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode()
    return f'<img alt="{alt}" src="data:image/png;base64,{data}">'


def test_extract_writes_files_beside_the_page(tmp_path):
    files = FigureFiles(tmp_path / "cache")
    tiny = np.zeros((4, 4, 3), np.uint8)
    assert len(_png(tiny)) < INLINE_LIMIT < len(_png(_plot_like()))
    html = "<p>" + _img(_png(_photo_like()), "a") + _img(_png(tiny), "icon")
    html += _img(_png(_plot_like()), "b") + "</p>"
    page = tmp_path / "site" / "part-b" / "filters"
    out = files.extract(html, page)

    written = sorted((page / "figures").iterdir())
    assert len(written) == 2
    assert out.count("data:image/png") == 1  # the icon stays inline
    for path in written:  # shown, and linked to for a closer look
        assert f'<a class="mc-enlarge" href="figures/{path.name}"><img' in out
        assert f'src="figures/{path.name}"' in out
    assert 'alt="a" src="figures/' in out
    assert 'width="300" height="200" decoding="async"></a>' in out
    assert 'width="400" height="240" loading="lazy" decoding="async"></a>' in out


def test_cache_is_reused_and_pruned(tmp_path):
    cache = tmp_path / "cache"
    html = _img(_png(_photo_like()), "a")
    FigureFiles(cache).extract(html, tmp_path / "one")
    (kept,) = cache.iterdir()
    stamp = kept.stat().st_mtime_ns

    files = FigureFiles(cache)
    files.extract(html, tmp_path / "two")
    assert kept.stat().st_mtime_ns == stamp  # not encoded again
    assert files.prune() == []

    unused = FigureFiles(cache)
    assert unused.prune() == [kept]
    assert not kept.exists()


@pytest.mark.parametrize(
    "attributes", ['src="x.png"', 'src="data:image/svg+xml;base64,AA=="']
)
def test_other_images_are_left_alone(tmp_path, attributes):
    html = f'<img alt="x" {attributes}>'
    assert FigureFiles(tmp_path).extract(html, tmp_path) == html


def test_style_blocks_become_one_shared_file(tmp_path):
    styles = SharedStyles()
    page = (
        '<head></head><article><style type="text/css">a{color:red}</style>\n'
        '<style type="text/css">b{color:blue}</style>\n<p>text</p></article>'
    )
    out = styles.extract(page, "../../")
    (name,) = styles.sheets
    assert name.startswith("notebook.")
    assert name.endswith(".css")
    assert "<style" not in out
    link = f'<link rel="stylesheet" href="../../assets/stylesheets/{name}">'
    assert out == f"<head></head><article>{link}\n<p>text</p></article>"
    # The same styles on another page: the same file, linked from there.
    assert styles.extract(page, "").count(f'href="assets/stylesheets/{name}"') == 1
    assert len(styles.sheets) == 1
    (written,) = styles.write(tmp_path)
    assert written == tmp_path / "assets" / "stylesheets" / name
    assert written.read_text() == "a{color:red}\nb{color:blue}"
    assert styles.extract("<p>no styles</p>", "") == "<p>no styles</p>"


@pytest.mark.parametrize(
    ("url", "root"),
    [("", ""), ("404.html", ""), ("part-b/", "../"), ("part-b/filters/", "../../")],
)
def test_site_root(url, root):
    assert site_root(url) == root


def test_site_root_rejects_absolute_urls():
    with pytest.raises(ValueError, match=r"page_url .* not '/part-b/'"):
        site_root("/part-b/")


@pytest.mark.parametrize(
    ("setting", "enabled"), [(None, True), ("1", True), ("0", False)]
)
def test_cache_enabled(setting, enabled):
    assert cache_enabled(setting) is enabled


def test_cache_enabled_rejects_other_values():
    with pytest.raises(ValueError, match=r"MODERN_CONVNETS_DOCS_CACHE .* not 'no'"):
        cache_enabled("no")


def test_page_cache_selects_keyed_folders_and_prunes_the_rest(tmp_path):
    package = _package(tmp_path)
    startup = tmp_path / "startup.py"
    startup.write_text("import pkg.c\n")
    base = tmp_path / "notebooks"
    (base / "stale").mkdir(parents=True)
    (base / "stray.json").write_text("{}")
    one, two = tmp_path / "one.py", tmp_path / "two.py"
    one.write_text("# %%\nimport pkg.a\n")
    two.write_text("# %%\nfrom pkg import d\n")
    plugin_config = {"cache_dir": "unset"}
    cache = PageCache(plugin_config, base, package, startup)

    first = cache.select(one)
    assert plugin_config["cache_dir"] == str(first)
    assert first.parent == base
    assert len(first.name) == 16
    second = cache.select(two)
    assert second != first
    assert cache.select(one) == first  # the same inputs, the same key
    first.mkdir()
    assert cache.prune() == [base / "stale", base / "stray.json"]
    assert sorted(base.iterdir()) == [first]


def test_page_cache_key_follows_what_the_kernel_startup_imports(tmp_path):
    package = _package(tmp_path)
    page = tmp_path / "page.py"
    page.write_text("import pkg.d\n")
    startup = tmp_path / "startup.py"

    def key() -> Path:
        return PageCache({}, tmp_path, package, startup).select(page)

    startup.write_text("x = 1\n")
    before = key()
    (package / "c.py").write_text("x = 3\n")
    assert key() == before  # neither the page nor the start-up reaches c
    startup.write_text("import pkg.c\n")
    reaching = key()
    (package / "c.py").write_text("x = 4\n")
    assert key() != reaching


def test_kernel_profile_install(tmp_path, monkeypatch):
    monkeypatch.setenv("IPYTHONDIR", "unset")
    startup = tmp_path / "startup.py"
    startup.write_text("print('first')\n")
    ipython = tmp_path / "ipython"
    files = kernel_profile.install(ipython, startup)
    profile = ipython / "profile_default"
    assert files == [
        profile / "ipython_kernel_config.py",
        profile / "startup" / "00-figures.py",
    ]
    assert files[0].read_text() == "c.IPKernelApp.capture_fd_output = False\n"
    assert files[1].read_text() == "print('first')\n"
    assert os.environ["IPYTHONDIR"] == str(ipython)


def test_lab_assets_need_npm_ci(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"run `npm ci --prefix .*lab`"):
        lab_assets.copy_tensorflowjs(tmp_path / "lab", tmp_path / "vendor")


def test_lab_assets_copy_tensorflowjs_and_its_licence(tmp_path):
    npm_project = tmp_path / "lab"
    for source in lab_assets.VENDOR:
        path = npm_project / "node_modules" / "@tensorflow" / source
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source)
    (npm_project / lab_assets.LICENSE).write_text("Apache-2.0")
    vendor = tmp_path / "site" / "lab" / "vendor"
    copies = lab_assets.copy_tensorflowjs(npm_project, vendor)
    assert [p.name for p in copies] == [*lab_assets.VENDOR.values(), "LICENSE.txt"]
    assert (vendor / "tf.min.js").read_text() == "tfjs/dist/tf.min.js"
    assert (vendor / "LICENSE.txt").read_text() == "Apache-2.0"


def test_the_lab_npm_project_is_where_the_build_and_nox_look():
    paths = SitePaths(REPO)
    assert (paths.npm_project / "package-lock.json").is_file()
    assert (paths.npm_project / lab_assets.LICENSE).is_file()
    assert paths.kernel_startup.is_file()
    noxfile = (REPO / "noxfile.py").read_text()
    npm_project = paths.npm_project.relative_to(REPO).as_posix()
    assert f'LAB_NPM_PROJECT = "{npm_project}"' in noxfile


def test_model_files_are_published(tmp_path):
    package = tmp_path / "pkg"
    (package / "trained").mkdir(parents=True)
    for name in ("b.keras", "a.keras", "a.history.json"):
        (package / "trained" / name).write_text(name)
    copies = model_files.publish(package, tmp_path / "site")
    assert copies == [tmp_path / "site" / "models" / n for n in ("a.keras", "b.keras")]
    assert copies[1].read_text() == "b.keras"


def test_configure_turns_mkdocs_jupyters_cache_off_or_keys_it(tmp_path):
    package = _package(tmp_path)
    startup = tmp_path / "startup.py"
    startup.write_text("x = 1\n")
    plugin_config = {"cache": True}
    assert configure(plugin_config, "0", tmp_path, package, startup) is None
    assert plugin_config == {"cache": False}
    plugin_config = {"cache": True}
    cache = configure(plugin_config, None, tmp_path / "base", package, startup)
    assert isinstance(cache, PageCache)
    assert cache.plugin_config is plugin_config
    assert cache.base == tmp_path / "base"
    assert plugin_config == {"cache": True}


# A tiny page as jupytext reads it, and its cells as mkdocs-jupyter renders them.
TINY_PAGE = {
    "cells": [
        {
            "cell_type": "markdown",
            "metadata": {},
            "source": "# Tiny\n\nSee [A](../a/).",
        },
        {"cell_type": "code", "metadata": {}, "source": "import modern_convnets"},
        {"cell_type": "code", "metadata": {"tags": ["prose"]}, "source": "Markdown(s)"},
        {
            "cell_type": "code",
            "metadata": {"tags": ["copy"]},
            "source": 'import keras\nkeras.models.load_model("small_convnet.keras")',
        },
        {"cell_type": "code", "metadata": {"tags": ["collapse"]}, "source": "fig"},
    ]
}
TINY_HTML = """
<div class="jp-Cell jp-CodeCell jp-Notebook-cell celltag_prose">
<div class="jp-Cell jp-CodeCell jp-Notebook-cell celltag_prose" id="cell-id=ab12">
<div class="jp-OutputArea jp-Cell-outputArea"><div class="jp-OutputArea-child">
<div class="jp-OutputPrompt jp-OutputArea-prompt">Out[3]:</div>
<div class="jp-RenderedHTMLCommon jp-RenderedMarkdown jp-OutputArea-output" \
data-mime-type="text/markdown">
<p>It is <strong>27%</strong> smaller than <a href="../b/">the <code>b_c</code></a>
model, 2 * 3 x_y.</p>
<ul>
<li><p>one;</p>
</li>
<li>two <sup>2</sup>.</li>
</ul>
</div></div></div></div></div>
<div class="jp-Cell jp-CodeCell celltag_copy" id="cell-id=cd34">
<div class="jp-RenderedMarkdown jp-OutputArea-output"><p>not prose</p></div></div>
"""


def test_prose_outputs_turn_back_into_markdown():
    assert notebook_files.prose_outputs(TINY_HTML) == [
        [
            "It is **27%** smaller than [the `b_c`](../b/)\n"
            "model, 2 \\* 3 x\\_y.\n\n"
            "- one;\n\n"
            "- two <sup>2</sup>."
        ]
    ]


def test_tiny_page_becomes_a_notebook_of_its_prose_and_copy_cells(tmp_path):
    notebook = notebook_files.build_notebook(
        TINY_PAGE,
        notebook_files.prose_outputs(TINY_HTML),
        title="Tiny",
        page_url="https://x.org/guide/part/tiny/",
        site_url="https://x.org/guide/",
        model_names=["mini_xception.keras", "small_convnet.keras"],
        version=lambda name: {"keras": "3.1", "tensorflow": "2.9"}[name],
    )
    cells = notebook["cells"]
    assert [c["cell_type"] for c in cells] == [
        "markdown",
        "code",
        "markdown",
        "markdown",
        "code",
    ]
    assert cells[0]["source"].startswith(
        "This notebook is the page [Tiny](https://x.org/guide/part/tiny/)"
    )
    setup = cells[1]["source"]
    assert 'PINS = {"keras": "3.1", "tensorflow": "2.9"}' in setup
    assert 'SITE_URL = "https://x.org/guide/"' in setup
    assert 'for name in ["small_convnet.keras"]:' in setup
    assert "cats_and_dogs_filtered.zip" not in setup  # the cells read no photos
    assert cells[2]["source"] == "# Tiny\n\nSee [A](https://x.org/guide/part/a/)."
    assert cells[3]["source"].startswith(
        "It is **27%** smaller than [the `b_c`](https://x.org/guide/part/b/)\n"
    )
    assert cells[3]["source"].endswith("\n\n" + notebook_files.COMPUTED)
    assert cells[4]["source"] == TINY_PAGE["cells"][3]["source"]
    assert cells[4]["outputs"] == []
    assert cells[4]["execution_count"] is None
    assert len({c["id"] for c in cells}) == len(cells)
    assert (notebook["nbformat"], notebook["nbformat_minor"]) == (4, 5)

    path = notebook_files.write_notebook(notebook, tmp_path / "tiny" / "tiny.ipynb")
    assert json.loads(path.read_text()) == notebook
    assert [p.name for p in path.parent.iterdir()] == ["tiny.ipynb"]


def test_a_page_without_copy_cells_is_its_prose_alone():
    page = {"cells": TINY_PAGE["cells"][:2]}
    notebook = notebook_files.build_notebook(
        page,
        [],
        title="Tiny",
        page_url="https://x.org/t/",
        site_url="https://x.org/",
        model_names=[],
    )
    assert [c["cell_type"] for c in notebook["cells"]] == ["markdown", "markdown"]
    assert notebook["cells"][0]["source"] == (
        "This notebook is the prose of the page [Tiny](https://x.org/t/) of the "
        "modern-convnets guide. The page's code cells use the modern-convnets "
        "package and are left out, and so are their figures and tables."
    )


def test_a_missing_prose_output_is_an_error():
    with pytest.raises(ValueError, match="1 prose cells, but 0 prose outputs"):
        notebook_files.build_notebook(
            TINY_PAGE,
            [],
            title="Tiny",
            page_url="https://x.org/t/",
            site_url="https://x.org/",
            model_names=[],
        )


def test_setup_installs_only_what_is_missing_or_another_version(tmp_path, monkeypatch):
    installed = importlib.metadata.version("numpy")
    pins = {"numpy": installed, "pillow": "0.0.1"}
    code = notebook_files.setup_code(
        pins, ["m.keras"], "file://" + str(tmp_path) + "/", True
    )
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "m.keras").write_bytes(b"model")
    calls = []

    class Shell:
        def run_line_magic(self, name, line):
            calls.append((name, line))

    data = tmp_path / "data"
    (data / "cats_and_dogs_filtered").mkdir(parents=True)
    monkeypatch.setenv("MODERN_CONVNETS_DATA", str(data))  # no download
    monkeypatch.chdir(tmp_path)
    exec(code, {"get_ipython": Shell})
    assert calls == [("pip", "install --quiet pillow==0.0.1")]
    assert (tmp_path / "m.keras").read_bytes() == b"model"


def test_links_are_made_absolute_from_the_page():
    page = "https://x.org/g/part-a/p/"
    markdown = "[a](../q/#x) ![f](f.png) [b](#here) [c](https://y.org/)"
    assert notebook_files.absolute_links(markdown, page) == (
        "[a](https://x.org/g/part-a/q/#x) ![f](https://x.org/g/part-a/p/f.png) "
        "[b](#here) [c](https://y.org/)"
    )


def test_notebooks_go_beside_their_page():
    assert notebook_files.notebook_path(
        Path("docs/part-a/mini-xception.py"),
        Path("site/part-a/mini-xception/index.html"),
    ) == Path("site/part-a/mini-xception/mini-xception.ipynb")


def test_setup_fetches_the_photos_unless_a_folder_is_named(tmp_path, monkeypatch):
    import shutil
    import subprocess
    import sys

    from conftest import make_tiny_dataset

    archive = shutil.make_archive(
        str(tmp_path / "archive"), "zip", make_tiny_dataset(tmp_path / "made").parent
    )
    monkeypatch.setattr(notebook_files, "DATASET_URL", "file://" + archive)
    code = notebook_files.setup_code({}, [], "https://x.org/", True)
    # A fresh interpreter: Keras reads KERAS_HOME when it is imported.
    script = code + "\nprint(os.environ['MODERN_CONVNETS_DATA'])"
    env = {k: v for k, v in os.environ.items() if k != "MODERN_CONVNETS_DATA"}
    env["KERAS_HOME"] = str(tmp_path / "keras")
    result = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    found = Path(result.stdout.splitlines()[-1])
    assert found.is_relative_to(tmp_path / "keras" / "datasets")
    assert sorted(p.name for p in (found / "cats_and_dogs_filtered").iterdir()) == [
        "train",
        "validation",
    ]


def test_code_and_printed_output_are_left_out_of_the_search_index():
    from site_build.cell_markup import exclude_code_from_search

    page = (
        '<div class="jp-Cell jp-MarkdownCell"><div class="jp-InputArea '
        'jp-Cell-inputArea"><p>prose stays</p></div></div>'
        '<div class="jp-Cell jp-CodeCell"><div class="jp-Cell-inputWrapper">'
        '<div class="highlight-ipynb hl-python"><pre>x = 1</pre></div></div>'
        '<div class="jp-Cell-outputWrapper">'
        '<div class="jp-RenderedText jp-OutputArea-output" '
        'data-mime-type="text/plain" tabindex="0">\n<pre>printed 1\n</pre></div>'
        '<div class="jp-RenderedMarkdown jp-OutputArea-output '
        'jp-OutputArea-executeResult" data-mime-type="text/markdown" '
        'tabindex="0"><p>written prose stays</p></div>'
        '<pre class="table">a folded table</pre></div></div>'
    )
    marked = exclude_code_from_search(page)
    assert marked.count("data-search-exclude") == 3
    assert "<pre data-search-exclude>x = 1</pre>" in marked
    assert "<pre data-search-exclude>printed 1\n</pre>" in marked
    assert '<pre data-search-exclude class="table">a folded table</pre>' in marked
    assert "<p>prose stays</p>" in marked
    assert "<p>written prose stays</p>" in marked
    assert exclude_code_from_search(marked) == marked  # marked once only


def _cell(classes: str, body: str) -> str:
    """A code cell as nbconvert writes it: an outer and an inner opening."""
    return (
        f'<div class="jp-Cell jp-CodeCell jp-Notebook-cell {classes}">\n'
        f'<div class="jp-Cell jp-CodeCell jp-Notebook-cell {classes}" id="cell-id=0">'
        f"{body}</div></div>"
    )


def test_the_home_figure_is_the_first_figure_of_a_home_cell():
    page = (
        _cell("", '<img alt="before" src="data:image/png;base64,AAAA">')
        + _cell("celltag_home", "<pre>printed first</pre>")
        + _cell(
            "celltag_home",
            '<img alt="Loss &amp; accuracy" src="data:image/png;base64,iVBO">',
        )
        + _cell("", '<img alt="after" src="data:image/png;base64,BBBB">')
    )
    assert tagged_figure(page) == PageFigure("iVBO", "Loss &amp; accuracy")
    # A home cell without a figure does not take the next cell's.
    assert (
        tagged_figure(
            _cell("celltag_home", "<pre>no figure</pre>")
            + _cell("", '<img src="data:image/png;base64,BBBB">')
        )
        is None
    )


def test_home_placeholders_get_their_pages_figures_or_fail():
    figures = HomeFigures()
    figures.collect(
        "part-b/a.py",
        _cell("celltag_home", '<img alt="A" src="data:image/png;base64,AAAA">'),
    )
    figures.collect(
        "part-b/b.py", _cell("", '<img alt="B" src="data:image/png;base64,BBBB">')
    )
    assert list(figures.figures) == ["part-b/a.py"]
    home = '<figure><img data-mc-figure-from="part-b/a.py" alt="">…</figure>'
    assert figures.fill(home) == (
        '<figure><img alt="A" src="data:image/png;base64,AAAA">…</figure>'
    )
    assert figures.fill("<p>no placeholder</p>") == "<p>no placeholder</p>"
    with pytest.raises(
        ValueError, match=r'"part-b/b.py" names no page .* pages with one: part-b/a.py'
    ):
        figures.fill('<img data-mc-figure-from="part-b/b.py">')


def test_the_api_reference_tables_are_left_out_of_the_search_index():
    from site_build.cell_markup import exclude_tables_from_search

    page = '<p>summary stays</p><table class="field-list"><tr><td>x</td></tr></table>'
    marked = exclude_tables_from_search(page)
    assert marked == (
        '<p>summary stays</p><table data-search-exclude class="field-list">'
        "<tr><td>x</td></tr></table>"
    )
    assert exclude_tables_from_search(marked) == marked
