import KittyCore

/// One option of an orchestrator-api verb, as spec-kitty's click/typer declares it.
public struct OptionSpec: Sendable {
  public enum Kind: Sendable {
    case value, flag
    case flagPair(negative: String)
  }
  public let name: String
  public let kind: Kind
  public let required: Bool
  /// Other spellings stored under `name` (`--mission` for the seed-003 dialect's `--feature`).
  public var aliases: [String] = []

  public static func value(_ name: String, required: Bool = false) -> OptionSpec {
    OptionSpec(name: name, kind: .value, required: required)
  }
  public static func flag(_ name: String) -> OptionSpec { OptionSpec(name: name, kind: .flag, required: false) }
  public static func flagPair(_ name: String) -> OptionSpec {
    OptionSpec(name: name, kind: .flagPair(negative: "--no-" + name.dropFirst(2)), required: false)
  }
}

/// Parsed options of one verb call: values by option name, flags as booleans.
public struct VerbArguments: Sendable {
  public var values: [String: String] = [:]
  public var flags: [String: Bool] = [:]

  public subscript(_ name: String) -> String? { values[name] }
  public func flag(_ name: String) -> Bool { flags[name] ?? false }
  /// A tri-state flag pair: nil when neither form was given.
  public func optionalFlag(_ name: String) -> Bool? { flags[name] }
}

/// Parses a verb's arguments the way click does, with click's error messages, so usage errors answer
/// with the same envelope text as spec-kitty (`Missing option '--mission'.`, `No such option: --feature`).
public enum VerbArgumentParser {
  public static func parse(_ arguments: [String], specs: [OptionSpec]) throws(HostFailure) -> VerbArguments {
    var result = VerbArguments()
    var extras: [String] = []
    var index = 0
    var onlyPositional = false
    while index < arguments.count {
      let argument = arguments[index]
      index += 1
      if onlyPositional || !argument.hasPrefix("-") || argument == "-" {
        extras.append(argument)
        continue
      }
      if argument == "--" {
        onlyPositional = true
        continue
      }
      var name = argument
      var inlineValue: String?
      if let equals = argument.firstIndex(of: "="), argument.hasPrefix("--") {
        name = String(argument[..<equals])
        inlineValue = String(argument[argument.index(after: equals)...])
      }
      if let spec = specs.first(where: { $0.name == name || $0.aliases.contains(name) }) {
        switch spec.kind {
        case .value:
          if let inlineValue {
            result.values[spec.name] = inlineValue
          } else {
            guard index < arguments.count else { throw usage("Option '\(spec.name)' requires an argument.") }
            result.values[spec.name] = arguments[index]
            index += 1
          }
        case .flag, .flagPair:
          if inlineValue != nil { throw usage("Option '\(spec.name)' does not take a value.") }
          result.flags[spec.name] = true
        }
        continue
      }
      if let spec = specs.first(where: {
        if case .flagPair(let negative) = $0.kind { return negative == name } else { return false }
      }) {
        result.flags[spec.name] = false
        continue
      }
      throw usage(noSuchOption(name, specs: specs))
    }
    for spec in specs where spec.required && result.values[spec.name] == nil {
      throw usage("Missing option '\(spec.name)'.")
    }
    if !extras.isEmpty {
      throw usage("Got unexpected extra argument(s) (\(extras.joined(separator: " ")))")
    }
    return result
  }

  /// click's message, with its "(Possible options: …)" hint for long options.
  static func noSuchOption(_ name: String, specs: [OptionSpec]) -> String {
    guard name.hasPrefix("--") else { return "No such option: \(name)" }
    var longOptions = specs.map(\.name) + ["--help"]
    for spec in specs { if case .flagPair(let negative) = spec.kind { longOptions.append(negative) } }
    let matches = CloseMatches.find(name, in: longOptions).sorted()
    guard !matches.isEmpty else { return "No such option: \(name)" }
    return "No such option: \(name) (Possible options: \(matches.joined(separator: ", ")))"
  }

  static func usage(_ message: String) -> HostFailure {
    HostFailure(.usageError, message, exitCode: 2)
  }
}
