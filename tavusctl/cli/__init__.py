from tavusctl.cli import kit  # registers the GitOps kit's commands on the group
from tavusctl.cli.main import main

__all__ = ["kit", "main"]
