from berthcheck.cli import main

main()
