"""qPython runs from its own venv (.venv-qpython: qPython 2.0.0 needs numpy < 1.24, PyKX
4.2.0 numpy 2); the shared server helpers live one directory up."""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
