from secretctl.main import main

main()
