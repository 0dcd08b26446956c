import sys

try:
    from .cli import main
except KeyboardInterrupt:  # Ctrl+C while Python was still loading the program
    sys.exit(130)

main(prog_name="reports")
