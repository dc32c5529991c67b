// The domain is written in KittyBasics' vocabulary (JSONValue, YAML, atomic files, locks, ULID, Timestamp), and so is
// every module that uses the domain: re-exported so `import KittyCore` keeps giving both, without an import per file.
@_exported import KittyBasics
