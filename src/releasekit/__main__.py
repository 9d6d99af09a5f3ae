"""Run releasekit as ``python -m releasekit``."""

from releasekit.cli import main

main()
