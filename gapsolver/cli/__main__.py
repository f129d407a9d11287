from gapsolver.cli import main

main()
