#!/usr/bin/env python3
"""maxrss.py - run a command and report its peak memory.

    maxrss.py OUT CMD [ARG...]

Runs CMD (stdin, stdout and stderr inherited), then writes the peak
resident set size of the waited-for children, in KiB
(getrusage(RUSAGE_CHILDREN).ru_maxrss), to the file OUT, and exits with
the command's exit status.
"""
import resource
import subprocess
import sys


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: maxrss.py OUT CMD [ARG...]")
    rc = subprocess.call(sys.argv[2:])
    with open(sys.argv[1], "w") as f:
        f.write("%d\n" % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    sys.exit(rc if rc >= 0 else 128 - rc)


if __name__ == "__main__":
    main()
