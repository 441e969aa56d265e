"""tavusctl: infrastructure-as-code for Tavus personas."""

__version__ = "0.1.0"
