import KittyCLI

GitKittyCommand.main()
