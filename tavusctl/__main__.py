from tavusctl.cli import main

main()
