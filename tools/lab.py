"""Open the course in JupyterLab on 127.0.0.1, landing on the start-here notebook (``make lab``).

    python tools/lab.py [--port 8888] [--settings-only]

Before the server starts it writes JupyterLab's settings overrides into this environment
(``<prefix>/share/jupyter/lab/settings/overrides.json``): never ask about Jupyter news and never
check for updates, so no popup covers a chart (``--LabApp.news_url=None`` alone still asks). Then
it prints the URL that opens ``notebooks/00_start_here.ipynb`` (with a fresh token) and the command
that puts ``ticketlab`` on the PATH, and replaces itself with ``jupyter lab``. With
``--settings-only`` it writes the overrides and stops (``make setup`` does that).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import socket
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
START = "notebooks/00_start_here.ipynb"
#: JupyterLab settings this course overrides, by plugin.
OVERRIDES = {"@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False}}


def overrides_path(prefix: str = sys.prefix) -> Path:
    """Where JupyterLab reads the overrides of an environment."""
    return Path(prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.json"


def write_overrides(prefix: str = sys.prefix) -> Path:
    """Merge :data:`OVERRIDES` into the environment's overrides.json (other settings are kept)."""
    path = overrides_path(prefix)
    current = json.loads(path.read_text()) if path.exists() else {}
    for plugin, values in OVERRIDES.items():
        current[plugin] = {**current.get(plugin, {}), **values}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(current, indent=2) + "\n")
    tmp.replace(path)
    return path


def _port(wanted: int) -> int:
    """``wanted`` if nothing listens on it, else any free port: the printed URL must be the real one."""
    for port in (wanted, 0):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return s.getsockname()[1]
    raise SystemExit("lab: no free port on 127.0.0.1")


def _activate_command() -> str:
    """The one command that puts this environment's ``ticketlab`` on the PATH."""
    if os.environ.get("CONDA_DEFAULT_ENV") and not (Path(sys.prefix) / "pyvenv.cfg").exists():
        return f"conda activate {os.environ['CONDA_DEFAULT_ENV']}"
    venv = Path(sys.prefix)
    shown = os.path.relpath(venv, ROOT) if venv.is_relative_to(ROOT) else str(venv)
    return f". {shown}/bin/activate"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Open the course in JupyterLab.")
    parser.add_argument("--port", type=int, default=8888, help="port to try first (default 8888)")
    parser.add_argument("--settings-only", action="store_true", help="write the settings overrides and stop")
    args = parser.parse_args(argv)
    write_overrides()
    if args.settings_only:
        return 0
    jupyter = shutil.which("jupyter", path=str(Path(sys.executable).parent)) or shutil.which("jupyter")
    if jupyter is None:
        raise SystemExit("lab: jupyter is not installed here; run `make lab` (or pip install -e '.[course]')")
    port, token = _port(args.port), secrets.token_hex(24)
    url = f"http://127.0.0.1:{port}/lab/tree/{START}?token={token}"
    command = [jupyter, "lab", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
               f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={ROOT}",
               f"--LabApp.default_url=/lab/tree/{START}", "--LabApp.news_url=None"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")  # containers and CI machines run as root
    print(f"\nThe CLI: in another terminal, in {ROOT}, run  {_activate_command()}  then  ticketlab --help")
    print(f"The course (open this in your browser; Ctrl-C here stops it): {url}\n", flush=True)
    os.execv(jupyter, command)
    return 0  # not reached: jupyter lab has replaced this process


if __name__ == "__main__":
    sys.exit(main())
