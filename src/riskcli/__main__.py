from riskcli.cli.app import main

main()
