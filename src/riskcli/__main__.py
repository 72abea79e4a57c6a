from riskcli.cli import main

main()
