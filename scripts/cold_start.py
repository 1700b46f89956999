"""Cold start of `python app.py` to the first served page, for one or more checkouts side by
side (alternating, so machine load falls on all alike); prints the median of each.

    python scripts/cold_start.py /path/to/old/worktree . --runs 4
"""

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request


def cold_start(root: str) -> float:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "GRADIO_SERVER_PORT": str(port), "GRADIO_SERVER_NAME": "127.0.0.1",
           "GRADIO_ANALYTICS_ENABLED": "False"}
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=root, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"{root}: app.py exited with {proc.returncode}")
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
                return time.perf_counter() - start
            except OSError:
                time.sleep(0.05)
    finally:
        proc.terminate()
        proc.wait()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("roots", nargs="+", help="checkouts holding app.py")
    p.add_argument("--runs", type=int, default=4)
    args = p.parse_args()
    times = {root: [] for root in args.roots}
    for _ in range(args.runs):
        for root in args.roots:
            times[root].append(cold_start(root))
    for root, t in times.items():
        print(f"{root}: median {statistics.median(t):.2f} s ({', '.join(f'{x:.2f}' for x in t)})")


if __name__ == "__main__":
    main()
