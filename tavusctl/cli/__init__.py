from tavusctl.cli.main import main

__all__ = ["main"]
