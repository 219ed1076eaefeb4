"""Sphinx configuration for skface."""

import os
import sys
from datetime import date

sys.path.insert(0, os.path.abspath(".."))

import skface  # noqa: E402

project = "skface"
author = "the skface developers"
copyright = f"{date.today().year}, {author}"
release = skface.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": False}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
templates_path = ["_templates"]
exclude_patterns = ["_build", "auto_examples/*.ipynb", "**/*.py.md5"]
html_theme = "alabaster"
html_static_path: list[str] = []

# No network in CI: intersphinx inventories are optional.
intersphinx_mapping = {}
suppress_warnings = ["config.cache"]

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "within_subsection_order": "FileNameSortKey",
    "download_all_examples": False,
    "reference_url": {"skface": None},
    "doc_module": ("skface",),
    "backreferences_dir": "generated/backreferences",
    "matplotlib_animations": False,
}
