"""Build the accounting rules with mypyc: `make compile` (needs gcc and the Python headers).

The modules named in `learning.domain.accounting.COMPILED_MODULES` are compiled into extension
modules under ``build/mypyc`` (or the folder given), laid out as the package is, with a stamp of
the sources they were made from; `learning.domain.accounting` imports them instead of the
sources only while the stamp matches, so an edited rule never runs a stale build. The Python
source stays the one definition and runs wherever nothing was built.

    .venv/bin/python scripts/compile_rules.py [FOLDER]
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def build(folder: Path) -> None:
    """Compile the rules into ``folder`` (replacing an earlier build there)."""
    from mypyc.build import mypycify  # the compiler is needed only here
    from setuptools import setup

    os.environ["LEARNING_PURE_RULES"] = "1"  # the stamp is made from the sources, not a build
    sys.path.insert(0, str(ROOT))
    from learning.domain.accounting import COMPILED_MODULES, sources_digest

    package = ROOT / "learning" / "domain" / "accounting"
    paths = [f"learning/domain/accounting/{name}.py" for name in COMPILED_MODULES]
    target = folder / "learning" / "domain" / "accounting"
    shutil.rmtree(target, ignore_errors=True)
    os.chdir(ROOT)  # mypyc names the modules after their paths from here
    with tempfile.TemporaryDirectory() as scratch:
        settings = Path(scratch, "mypy.ini")
        settings.write_text("[mypy]\n")  # not the project's: its strict domain refuses the Any
        setup(
            name="learning-accounting-compiled",
            # Only these modules are checked: the package's parents (the Flask app) are skipped,
            # as are the uncompiled `settings` and `hours`, which the compiled code calls as
            # Python objects (what they return is Any here). The shared library lives inside the
            # package, so the package's search path alone finds the build.
            ext_modules=mypycify(
                ["--config-file", str(settings), "--follow-imports=skip", *paths],
                opt_level="3",
                group_name="learning.domain.accounting.compiled",
                target_dir=str(Path(scratch, "c")),
            ),
            script_args=["build_ext", "--build-lib", str(folder), "--build-temp", scratch],
        )
    (target / "SOURCES.sha256").write_text(sources_digest(package) + "\n")


if __name__ == "__main__":
    build(Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else ROOT / "build" / "mypyc")
