from gapsolver.cli.commands import main

main()
