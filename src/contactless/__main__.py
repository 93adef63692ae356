from contactless.cli import main

main()
