"""Make sure Debian's chromium is there: install it if we may, else say how."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys


def main() -> int:
    if shutil.which("chromium"):
        return 0
    if os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], check=True, env=env)
        return 0
    print(
        "chromium is not installed, so the browser tests will be skipped; "
        "install it with `sudo apt-get install chromium` to run them.",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
