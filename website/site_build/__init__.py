"""What the site build adds to MkDocs, one module per job.

`website/mkdocs_hooks.py` hands each MkDocs event to these modules; they
import nothing from it, and none keeps state between builds at module level:
a build's state is one `SiteBuild` (`build_state`), kept in MkDocs' config.

- `page_cache`: each executed page cached under a key of what its code reaches.
- `kernel_profile`: the kernels' IPython profile and start-up script.
- `model_files`: the trained models in the kernels' folder and in the site.
- `figure_files`: figures as WebP files beside their page.
- `shared_styles`: nbconvert's stylesheet as one file for every page.
- `mathjax`: nbconvert's CDN scripts out, the bundled MathJax in.
- `cell_markup`: "Copy this" labels and "Show the code" toggles.
- `lab_assets`: the lab's TensorFlow.js and exported models.
- `build_state`: where everything is, and what one build carries.
"""
