import sys

try:
    from .cli import run
except KeyboardInterrupt:  # Ctrl+C while Python was still loading the program
    sys.exit(130)

run()
