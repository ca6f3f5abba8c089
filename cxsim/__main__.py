from cxsim.cli import main

main()
