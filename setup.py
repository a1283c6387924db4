"""Build step: the wheel carries ``questionnaires/``, ``migrations/`` and ``reports/`` inside the
package as ``dx_assess/_shipped/<name>`` (found at run time by ``dx_assess.core.shipped``). The
repository keeps them at the top level; everything else about the package is in pyproject.toml."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
CONTENT = ("questionnaires", "migrations", "reports")


class BuildPyWithContent(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the repository's folders
        target = Path(self.build_lib) / "dx_assess" / "_shipped"
        for name in CONTENT:
            if (target / name).exists():
                shutil.rmtree(target / name)
            shutil.copytree(
                ROOT / name, target / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
            )


setup(cmdclass={"build_py": BuildPyWithContent})
