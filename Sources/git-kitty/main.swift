import KittyCLI

// Parsed and, for a synchronous command, run before the first `await`: on the main thread, without starting the
// threads of Swift's concurrency pool (four threads were a millisecond of every orchestrator-api verb).
// `orchestrator-api <verb> …` is answered without argument-parser's command tree (its conformance scans cost a
// read verb about a millisecond); anything it might answer itself (help, version, completion) goes the usual way.
GitKittyCommand.answerOrchestratorAPIDirectly()
switch GitKittyCommand.parse() {
case .synchronous(let command): GitKittyCommand.runSynchronously(command)
case .asynchronous(let command): await GitKittyCommand.run(command)
case .finished(let error): GitKittyCommand.exit(withError: error)
}
