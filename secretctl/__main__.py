from secretctl.cli import main

main()
