"""Where the site build's files are, and what one build carries between events.

MkDocs calls the hooks once per event. What they share (the page cache, the
figures and stylesheets collected so far) is one `SiteBuild`, created when
the configuration is loaded and kept in that configuration, so every build,
including each rebuild of `mkdocs serve`, starts afresh.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from site_build.figure_files import FigureFiles
from site_build.home_figures import HomeFigures
from site_build.page_cache import PageCache
from site_build.shared_styles import SharedStyles

# The key of the build's `SiteBuild` in MkDocs' configuration.
CONFIG_KEY = "modern_convnets_site_build"


@dataclass(frozen=True)
class SitePaths:
    """The files of the site build, from the repository's root.

    Args:
        root: The folder holding `mkdocs.yml`.

    Example:
        >>> SitePaths(Path(".")).npm_project.as_posix()
        'website/lab'
    """

    root: Path

    @property
    def package(self) -> Path:
        """The package that the pages import."""
        return self.root / "src" / "modern_convnets"

    @property
    def website(self) -> Path:
        """The site build's own folder."""
        return self.root / "website"

    @property
    def kernel_startup(self) -> Path:
        """What every page's kernel runs first."""
        return self.website / "kernel_startup.py"

    @property
    def npm_project(self) -> Path:
        """The lab's `package.json`, and `node_modules/` once installed."""
        return self.website / "lab"

    @property
    def cache(self) -> Path:
        """What builds keep for the next one (ignored by git)."""
        return self.root / ".cache"

    @property
    def ipython_dir(self) -> Path:
        """The kernels' IPython profile."""
        return self.cache / "ipython"

    @property
    def page_folder(self) -> Path:
        """The kernels' working folder."""
        return self.cache / "page-folder"

    @property
    def notebook_cache(self) -> Path:
        """Executed notebooks, one folder per key (mkdocs-jupyter's name)."""
        return self.cache / "mkdocs-jupyter"

    @property
    def figure_cache(self) -> Path:
        """Encoded figures, kept between builds by the digest of their PNG."""
        return self.cache / "figure-files"


@dataclass
class SiteBuild:
    """What one build carries from event to event.

    Args:
        paths: Where the build's files are.
        page_cache: Keys executed pages, or None to execute every page.
        figures: Collects the figures written beside their pages.
        styles: Collects nbconvert's stylesheet, written once after the build.
        home_figures: Collects the pages' `home` figures for the home page.

    Example:
        ```python
        paths = SitePaths(Path("."))
        build = SiteBuild(paths, None, FigureFiles(paths.figure_cache))
        ```
    """

    paths: SitePaths
    page_cache: PageCache | None
    figures: FigureFiles
    styles: SharedStyles = field(default_factory=SharedStyles)
    home_figures: HomeFigures = field(default_factory=HomeFigures)
