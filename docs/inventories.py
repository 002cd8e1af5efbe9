"""Intersphinx inventories of the libraries these pages link to, from the installed packages.

The site is built offline, where Sphinx cannot fetch a library's ``objects.inv``. So each
library's inventory is written here at build time: the public classes and functions of the
installed version (its modules' ``__all__``), each at the address its documentation site gives
an API page (``modules/generated/sklearn.neighbors.KNeighborsClassifier.html`` and the like).
A reference such as ``:class:`~sklearn.decomposition.KernelPCA``` then links to that page, and
a library that is not installed is left out (its references stay plain text).
"""

import importlib
import importlib.util
import inspect
import zlib

# project: (site, modules whose __all__ is listed, the API page of a name, {module: its page})
SITES = {
    "sklearn": (
        "https://scikit-learn.org/stable",
        [
            "sklearn.base",
            "sklearn.covariance",
            "sklearn.datasets",
            "sklearn.decomposition",
            "sklearn.discriminant_analysis",
            "sklearn.exceptions",
            "sklearn.kernel_approximation",
            "sklearn.manifold",
            "sklearn.metrics",
            "sklearn.metrics.pairwise",
            "sklearn.model_selection",
            "sklearn.neighbors",
            "sklearn.pipeline",
            "sklearn.preprocessing",
            "sklearn.utils",
            "sklearn.cluster",
            "sklearn.svm",
            "sklearn.linear_model",
        ],
        "modules/generated/{name}.html",
        None,  # every module listed whose name has one dot: api/<module>.html
    ),
    "numpy": (
        "https://numpy.org/doc/stable",
        ["numpy", "numpy.linalg"],
        "reference/generated/{name}.html",
        {},
    ),
    "scipy": (
        "https://docs.scipy.org/doc/scipy",
        ["scipy.linalg", "scipy.optimize", "scipy.sparse", "scipy.spatial.distance"],
        "reference/generated/{name}.html",
        {},
    ),
    "torch": (
        "https://pytorch.org/docs/stable",
        ["torch", "torch.nn", "torch.optim"],
        "generated/{name}.html",
        {},
    ),
    "dask": (
        "https://docs.dask.org/en/stable",
        ["dask.array"],
        "generated/{name}.html",
        {"dask.array": "array.html"},
    ),
}


def public_objects(module_name):
    """(qualified name, 'class' or 'function') of the module's public names, in its ``__all__``
    (or its public callables without one)."""
    module = importlib.import_module(module_name)
    names = getattr(module, "__all__", None)
    if names is None:  # the names defined there, not those it imports
        names = [
            n
            for n, obj in vars(module).items()
            if not n.startswith("_") and getattr(obj, "__module__", "").startswith(module_name)
        ]
    found = []
    for name in names:
        try:
            obj = getattr(module, name, None)
        except ImportError:  # scikit-learn's experimental names, which need an enabling import
            continue
        if inspect.ismodule(obj) or obj is None or not callable(obj):
            continue
        role = "class" if inspect.isclass(obj) else "function"
        found.append((f"{module_name}.{name}", role))
    return found


def inventory_entries(project):
    """The lines of ``project``'s inventory: ``name py:role 1 uri -``."""
    _, modules, page, module_pages = SITES[project]
    lines = []
    for module in modules:
        objects = public_objects(module)
        if module_pages is None:
            module_page = f"api/{module}.html" if module.count(".") == 1 else None
        else:
            module_page = module_pages.get(module)
        if module_page:
            lines.append(f"{module} py:module 1 {module_page} -")
        lines += [f"{name} py:{role} 1 {page.format(name=name)}#$ -" for name, role in objects]
    return sorted(set(lines))


def write_inventory(path, project, version, entries):
    """Sphinx's inventory format, version 2: four header lines, then the entries zlib-packed."""
    header = (
        "# Sphinx inventory version 2\n"
        f"# Project: {project}\n"
        f"# Version: {version}\n"
        "# The remainder of this file is compressed using zlib.\n"
    )
    path.write_bytes(header.encode() + zlib.compress(("\n".join(entries) + "\n").encode()))


def installed_projects():
    """The projects of ``SITES`` that can be imported here."""
    return [project for project in SITES if importlib.util.find_spec(project) is not None]


def intersphinx_mapping_for(folder):
    """Sphinx's ``intersphinx_mapping``: each installed project's site and its inventory file
    in ``folder`` (written by :func:`write_inventories`)."""
    return {p: (SITES[p][0], str(folder / f"{p}.inv")) for p in installed_projects()}


def write_inventories(folder):
    """Write the inventory of every installed project of ``SITES`` into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for project in installed_projects():
        version = importlib.import_module(project).__version__
        write_inventory(folder / f"{project}.inv", project, version, inventory_entries(project))
