"""MkDocs hooks: each event hands its work to the modules of `site_build/`.

- `page_cache`: each executed page is cached under a key of the package
  modules its code reaches, the package's data files and what the kernels run
  first: editing `gradcam.py` re-executes only the pages that import it.
  MODERN_CONVNETS_DOCS_CACHE=0 executes every page.
- `kernel_profile`: the kernels keep TensorFlow's C++ start-up messages off
  the pages and run `kernel_startup.py` first (the guide's matplotlib style,
  captioned figures).
- `model_files`: the kernels run in a folder holding the trained models, as
  a reader's session would; the site offers the same files under `models/`.
- `figure_files`, `shared_styles`: figures become WebP files beside their
  page, nbconvert's stylesheet one file for every page.
- `home_figures`: the home page shows the figure of each page's cell tagged
  `home`, the same PNG the page shows, from the same build.
- `mathjax`: the site works offline: nbconvert's CDN scripts out, the
  installed MathJax in.
- `cell_markup`: "Copy this" labels, "Show the code" toggles.
- `backend_tabs`: a listing's TensorFlow, JAX and PyTorch versions as
  linked content tabs. The kernel that executes a page finds the page's
  source in MODERN_CONVNETS_PAGE_SOURCE, to run those versions itself.
- `notebook_files`: each tutorial page as a notebook of its prose and its
  "Copy this" cells, written beside the page at every build and offered by
  the "Download notebook" button of the page header
  (`overrides/partials/actions.html`).
- `lab_assets`: the lab's exported models and TensorFlow.js, as `npm ci`
  installed it from `lab/package-lock.json`.

A build's state is one `SiteBuild`, kept in MkDocs' configuration.
"""

from __future__ import annotations

import os
from pathlib import Path

import jupytext
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from site_build import (
    backend_tabs,
    cell_markup,
    kernel_profile,
    lab_assets,
    mathjax,
    model_files,
    notebook_files,
    page_cache,
)
from site_build.build_state import CONFIG_KEY, SiteBuild, SitePaths
from site_build.figure_files import FigureFiles
from site_build.shared_styles import site_root


def on_config(config):
    paths = SitePaths(Path(config.config_file_path).resolve().parent)
    profile = kernel_profile.install(paths.ipython_dir, paths.kernel_startup)
    model_files.prepare_page_folder(paths.package, paths.page_folder)
    cache = page_cache.configure(
        config.plugins["mkdocs-jupyter"].config,
        os.environ.get("MODERN_CONVNETS_DOCS_CACHE"),
        paths.notebook_cache,
        paths.package,
        paths.kernel_startup,
        profile,
    )
    config[CONFIG_KEY] = SiteBuild(paths, cache, FigureFiles(paths.figure_cache))
    return config


# Before mkdocs-jupyter's own on_pre_page, which reads the cache folder.
@event_priority(50)
def on_pre_page(page, config, files):
    cache = config[CONFIG_KEY].page_cache
    if cache is not None and page.file.src_uri.endswith((".py", ".ipynb")):
        cache.select(Path(page.file.abs_src_path))
    if page.file.src_uri.endswith(".py"):
        # The kernel, a child process started for this page, inherits it.
        os.environ["MODERN_CONVNETS_PAGE_SOURCE"] = page.file.abs_src_path
    return page


def on_page_content(html, page, config, files):
    """Write the page's notebook from its source and its executed prose."""
    if page.file.src_uri == "reference.md":
        html = cell_markup.exclude_tables_from_search(html)
    if not page.file.src_uri.endswith(".py"):
        return cell_markup.exclude_code_from_search(html)
    build = config[CONFIG_KEY]
    build.home_figures.collect(page.file.src_uri, html)
    site_url = config["site_url"]
    source = Path(page.file.abs_src_path)
    cells = jupytext.read(source)
    try:
        backend_tabs.check_groups(cells["cells"])
    except ValueError as error:
        raise ValueError(f"{page.file.src_uri}: {error}") from error
    notebook = notebook_files.build_notebook(
        cells,
        notebook_files.prose_outputs(html),
        title=page.title,
        page_url=site_url + page.url,
        site_url=site_url,
        model_names=[p.name for p in model_files.model_files(build.paths.package)],
    )
    path = notebook_files.notebook_path(source, Path(page.file.abs_dest_path))
    notebook_files.write_notebook(notebook, path)
    page.meta["notebook"] = path.name  # the header's "Download notebook"
    return cell_markup.exclude_code_from_search(backend_tabs.tab_cells(html))


def on_post_page(output, page, config):
    build = config[CONFIG_KEY]
    output = mathjax.remove_cdn_scripts(output)
    # Every page's content is rendered before any page is written.
    try:
        output = build.home_figures.fill(output)
    except ValueError as error:
        raise PluginError(f"{page.file.src_uri}: {error}") from None
    output = build.figures.extract(output, Path(page.file.abs_dest_path).parent)
    output = build.styles.extract(output, site_root(page.url))
    return cell_markup.mark_cells(output)


def on_post_build(config):
    build = config[CONFIG_KEY]
    site_dir = Path(config["site_dir"])
    if build.page_cache is not None:
        build.page_cache.prune()
    build.figures.prune()
    build.styles.write(site_dir)
    mathjax.copy_mathjax(site_dir)
    model_files.publish(build.paths.package, site_dir)
    lab_assets.build_lab(build.paths.npm_project, site_dir)
