"""What every page's kernel runs first: the guide's style, captioned figures.

`mkdocs_hooks.py` installs this file as an IPython start-up script of the
kernels that execute the pages. It gives matplotlib the guide's style, and
every matplotlib `Figure` a `_repr_html_`, so a figure that a cell returns
shows as an HTML `<figure>` whose image has alternative text and a caption
(`modern_convnets.figures.describe`: the figure's label, or its titles).
"""

import base64 as _base64
import html as _html
import io as _io
import os as _os

import matplotlib.style as _style
from matplotlib.figure import Figure as _Figure

from modern_convnets.figures import STYLE as _STYLE
from modern_convnets.figures import describe as _describe

_style.use(_STYLE)


def _figure_html(fig: _Figure) -> str:
    buffer = _io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    data = _base64.b64encode(buffer.getvalue()).decode()
    text = _html.escape(_describe(fig) or "Figure computed by the code above")
    return (
        f'<figure class="mc-figure"><img src="data:image/png;base64,{data}" '
        f'alt="{text}"><figcaption>{text}</figcaption></figure>'
    )


# A method rather than a registered formatter: `%matplotlib inline` drops
# every formatter registered for Figure, but not this.
_Figure._repr_html_ = _figure_html


# The pages' plain-Keras cells load model files by name, from the working
# folder, as a reader's session would: mkdocs_hooks.py prepares that folder.
if _os.environ.get("MODERN_CONVNETS_PAGE_FOLDER"):
    _os.chdir(_os.environ["MODERN_CONVNETS_PAGE_FOLDER"])
