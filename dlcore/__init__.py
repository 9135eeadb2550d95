"""dlcore: auto-graded exercises for the Deep Learning Core Concepts chapter.

Importing the package is cheap (no torch); the heavy parts live in submodules.
"""

__version__ = "0.1.0"
