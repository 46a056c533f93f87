"""berthcheck: compliance engine for ships at berth.

The library never imports the CLI; the CLI (``berthcheck.cli``) is a thin layer over it.
"""

__version__ = "0.1.0"
