import KittyCLI

await GitKittyCommand.start()
