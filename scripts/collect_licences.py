"""Collect the licence texts the kiosk bundle must carry into one directory.

    python scripts/collect_licences.py --out DIR [--modules FILE] [--extra DIST ...]

The kiosk's runtime distributions are the project's requirements, followed
transitively through their own requirements, less the server-only ones
(FastAPI, uvicorn, psycopg are not in the kiosk bundle). ``--modules`` adds
whatever distribution owns a top-level module that a PyInstaller build
actually put in the bundle (``modules.txt``, written by the spec), so a
dependency pulled in some other way is never missed; ``--extra`` names more
(e.g. ``pyinstaller``, whose bootloader is the bundle's executable).

For each distribution its licence files (``*.dist-info/licenses/*``,
``LICENSE*``, ``COPYING*``, ``NOTICE*``, ``AUTHORS*``) are copied to
``DIR/python/<name>-<version>/``. Distributions whose wheels carry no licence
file but whose terms we know (PySide6 and Shiboken6: LGPLv3) get our texts
from ``installer/licenses/``. Added as well: the Qt notice with the LGPL/GPL
texts and the licences of code inside Qt, the font's OFL, and the Python
interpreter's licence. A self-contained Linux build (``--os-libraries``)
also gets Debian's copyright file of every package whose libraries it
bundles. ``DIR/README.md`` lists everything.

Exits 1, naming them, if any distribution has no licence text: a bundle that
cannot show its notices must not be built.
"""

# ruff: noqa: T201 - a command-line tool: its report goes to stdout, its errors to stderr

from __future__ import annotations

import argparse
import importlib.metadata as md
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
PROJECT = "civic-kiosk"
LICENCES = ROOT / "installer" / "licenses"
FONT_LICENCE = ROOT / "assets" / "fonts" / "OFL.txt"
ICON_LICENCE = ROOT / "assets" / "icons" / "LICENSE.txt"

# In the project's requirements for the central server only; never in the kiosk bundle.
SERVER_ONLY = frozenset(
    {"fastapi", "uvicorn", "httptools", "uvloop", "psycopg", "psycopg-binary", "psycopg-pool"}
)

# Wheels that ship no licence file, and the texts (under installer/licenses/) that apply.
QT_TEXTS = ("QT-NOTICE.md", "LGPL-3.0.txt", "GPL-3.0.txt")
VENDORED = {
    "pyside6": QT_TEXTS,
    "pyside6-essentials": QT_TEXTS,
    "pyside6-addons": QT_TEXTS,
    "shiboken6": QT_TEXTS,
    # pyserial's wheel leaves out the LICENSE.txt its source archive carries (BSD-3-Clause).
    "pyserial": ("pyserial-LICENSE.txt",),
}
# Wheels whose own licence does not cover everything in them: libusb-package is
# Apache-2.0, the libusb library it carries is LGPL-2.1-or-later.
ALSO = {"libusb-package": ("LGPL-2.1.txt",)}

_LICENCE_NAME = re.compile(r"^(licen[cs]e|copying|notice|authors)([-._].*)?$", re.IGNORECASE)


class MissingLicence(Exception):
    """Distributions for which no licence text was found; the message names them."""


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class Component:
    name: str
    version: str
    licence: str
    files: tuple[Path, ...]  # relative to the output directory


def runtime_distributions(project: str = PROJECT) -> dict[str, md.Distribution]:
    """The project's requirements, transitively, without extras and without server-only ones."""
    environment = {key: str(value) for key, value in default_environment().items()}
    environment["extra"] = ""
    found: dict[str, md.Distribution] = {}
    pending = list(md.requires(project) or [])
    while pending:
        requirement = Requirement(pending.pop())
        if requirement.marker is not None and not requirement.marker.evaluate(environment):
            continue
        name = canonical(requirement.name)
        if name in SERVER_ONLY or name in found:
            continue
        distribution = md.distribution(requirement.name)
        found[name] = distribution
        pending.extend(distribution.requires or [])
    return found


def bundled_distributions(module_names: Iterable[str]) -> dict[str, md.Distribution]:
    """Distributions that own these top-level modules (stdlib and our own packages own none)."""
    owners = md.packages_distributions()
    found: dict[str, md.Distribution] = {}
    for module in module_names:
        for owner in owners.get(module, []):
            name = canonical(owner)
            if name != PROJECT:
                found[name] = md.distribution(owner)
    return found


def licence_of(distribution: md.Distribution) -> str:
    meta = distribution.metadata
    expression = meta.get_all("License-Expression") or []
    if expression:
        return str(expression[0])
    short = str((meta.get_all("License") or [""])[0]).strip()
    if short and "\n" not in short and len(short) < 80:
        return short
    classifiers = [
        c.rsplit("::", 1)[-1].strip()
        for c in meta.get_all("Classifier") or []
        if c.startswith("License ::")
    ]
    return "; ".join(classifiers) or "see files"


def licence_files(distribution: md.Distribution) -> list[Path]:
    """The licence-like files a distribution installed (dist-info first, then its package)."""
    files: list[Path] = []
    for entry in distribution.files or []:
        parts = entry.parts
        in_dist_info = parts[0].endswith(".dist-info")
        in_licences_dir = in_dist_info and len(parts) > 2 and parts[1] == "licenses"
        top_of_package = len(parts) == 2 and not in_dist_info
        named = bool(_LICENCE_NAME.match(parts[-1]))
        if in_licences_dir or ((in_dist_info or top_of_package) and named):
            path = Path(str(distribution.locate_file(entry)))
            if path.is_file():
                files.append(path)
    return files


def _copy(source: Path, directory: Path, out: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / source.name
    if target.exists():  # two files called LICENSE (dist-info and package): keep both
        target = directory / f"{source.parent.name}-{source.name}"
    shutil.copyfile(source, target)
    return target.relative_to(out)


def collect_python(distributions: dict[str, md.Distribution], out: Path) -> list[Component]:
    components: list[Component] = []
    missing: list[str] = []
    for name in sorted(distributions):
        distribution = distributions[name]
        version = distribution.version
        directory = out / "python" / f"{name}-{version}"
        sources = licence_files(distribution)
        if not sources and name in VENDORED:
            sources = [LICENCES / text for text in VENDORED[name]]
        if not sources:
            missing.append(f"{name} {version}")
            continue
        sources += [LICENCES / text for text in ALSO.get(name, ())]
        copied = tuple(_copy(source, directory, out) for source in sources)
        components.append(Component(name, version, licence_of(distribution), copied))
    if missing:
        raise MissingLicence(", ".join(missing))
    return components


def collect_fixed(out: Path) -> list[Component]:
    """Qt's notice and the code inside Qt, the font, and the interpreter itself."""
    qt_dir = out / "qt"
    qt_files = [
        _copy(path, qt_dir / path.parent.relative_to(LICENCES), out)
        for path in sorted(LICENCES.rglob("*"))
        if path.is_file()
    ]
    components = [
        Component("Qt 6 (via PySide6)", _qt_version(), "LGPL-3.0-only", tuple(qt_files)),
        Component(
            "NanumSquare font",
            "fonts-nanum 20200506",
            "OFL-1.1",
            (_copy(FONT_LICENCE, out / "font", out),),
        ),
        Component(
            "Tabler Icons (pictograms, assets/icons)",
            "3.52.0",
            "MIT",
            (_copy(ICON_LICENCE, out / "icons", out),),
        ),
    ]
    python_licence = _python_licence()
    if python_licence is None:
        raise MissingLicence(f"the Python interpreter (no LICENSE.txt under {sys.base_prefix})")
    components.append(
        Component(
            "Python",
            sys.version.split()[0],
            "PSF-2.0",
            (_copy(python_licence, out / "python-interpreter", out),),
        )
    )
    return components


def _qt_version() -> str:
    try:
        return md.version("PySide6")
    except md.PackageNotFoundError:
        return "?"


def _python_licence() -> Path | None:
    base = Path(sys.base_prefix)
    candidates = [
        base / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "LICENSE.txt",
        base / "LICENSE.txt",  # Windows
        Path("/usr/share/doc")
        / f"python{sys.version_info.major}.{sys.version_info.minor}"
        / "copyright",  # Debian's python3.x
    ]
    return next((path for path in candidates if path.is_file()), None)


def collect_os_libraries(libraries: Iterable[Path], out: Path) -> list[Component]:
    """Debian's copyright file of each package owning a bundled OS library (self-contained)."""
    packages: dict[str, list[str]] = {}
    for library in libraries:
        packages.setdefault(_debian_package(library), []).append(library.name)
    components = []
    for package in sorted(packages):
        copyright_file = Path("/usr/share/doc") / package.split(":")[0] / "copyright"
        if not copyright_file.is_file():
            raise MissingLicence(f"{package} (no {copyright_file})")
        directory = out / "os" / package.split(":")[0]
        copied = _copy(copyright_file, directory, out)
        names = ", ".join(sorted(packages[package]))
        components.append(Component(f"{package} ({names})", "Debian", "see file", (copied,)))
    return components


def _debian_package(library: Path) -> str:
    for candidate in (library, library.resolve()):
        found = subprocess.run(
            ["dpkg", "-S", str(candidate)], capture_output=True, text=True, check=False
        )
        if found.returncode == 0:
            return found.stdout.split(":", 1)[0].strip()
    raise MissingLicence(f"{library} (not from a Debian package)")


def write_index(out: Path, components: Sequence[Component]) -> None:
    lines = [
        "# Third-party notices",
        "",
        "Civic Kiosk itself is licensed under Apache-2.0 (`LICENSE` in the bundle's top",
        "directory). It contains the following third-party software; each one's licence",
        "text is in the file(s) named. Qt, PySide6 and Shiboken6 are used under the LGPLv3:",
        "read `qt/QT-NOTICE.md` for how to replace them and where their sources are.",
        "",
        "| component | version | licence | files |",
        "| --- | --- | --- | --- |",
    ]
    for c in components:
        files = ", ".join(f"`{f.as_posix()}`" for f in c.files)
        lines.append(f"| {c.name} | {c.version} | {c.licence} | {files} |")
    (out / "README.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def collect(
    out: Path,
    modules: Iterable[str] = (),
    extra: Iterable[str] = (),
    os_libraries: Iterable[Path] = (),
) -> list[Component]:
    distributions = runtime_distributions()
    bundled = bundled_distributions(modules)
    server = sorted(set(bundled) & SERVER_ONLY)
    if server:
        raise MissingLicence(f"server-only distributions found in the bundle: {', '.join(server)}")
    distributions.update(bundled)
    for name in extra:
        distributions[canonical(name)] = md.distribution(name)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    components = collect_python(distributions, out) + collect_fixed(out)
    components += collect_os_libraries(os_libraries, out)
    write_index(out, components)
    return components


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="directory to (re)create")
    parser.add_argument("--modules", type=Path, help="top-level modules in the bundle, one a line")
    parser.add_argument("--extra", action="append", default=[], help="one more distribution")
    parser.add_argument(
        "--os-libraries",
        type=Path,
        help="distribution libraries bundled too (a self-contained build), one path a line",
    )
    args = parser.parse_args(argv)
    modules = _lines(args.modules)
    libraries = [Path(line) for line in _lines(args.os_libraries)]
    try:
        components = collect(args.out, modules, args.extra, libraries)
    except MissingLicence as exc:
        print(f"collect_licences: no licence text for: {exc}", file=sys.stderr)
        return 1
    except md.PackageNotFoundError as exc:
        print(f"collect_licences: not installed: {exc}", file=sys.stderr)
        return 1
    files = sum(len(c.files) for c in components)
    print(f"{len(components)} components, {files} licence files -> {args.out}")
    for c in components:
        print(f"  {c.name} {c.version}: {c.licence}")
    return 0


def _lines(path: Path | None) -> list[str]:
    if path is None:
        return []
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


if __name__ == "__main__":
    sys.exit(main())
