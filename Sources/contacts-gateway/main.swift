import GatewayCLI

// The executable is only this line: everything else lives in libraries that tests import.
await GatewayCommand.start()
