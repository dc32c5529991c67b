/// WP dependency edges, in spec-kitty's order (prompt files sorted by name).
public struct DependencyGraph: Sendable, Equatable {
  /// WP ids in graph order.
  public let order: [String]
  public let dependencies: [String: [String]]

  public init(workPackages: [WorkPackage]) {
    order = workPackages.map(\.id)
    var deps: [String: [String]] = [:]
    for wp in workPackages { deps[wp.id] = wp.dependencies }
    dependencies = deps
  }

  public func contains(_ id: String) -> Bool { dependencies[id] != nil }

  /// Dependencies that name no WP of the mission, as (wp, missing dependency) pairs.
  public var missingDependencies: [(wp: String, dependency: String)] {
    order.flatMap { wp in (dependencies[wp] ?? []).filter { dependencies[$0] == nil }.map { (wp, $0) } }
  }

  /// One dependency cycle as a path that starts and ends at the same WP, nil when the graph is acyclic.
  public var cycle: [String]? {
    enum Mark { case visiting, done }
    var marks: [String: Mark] = [:]
    var stack: [String] = []
    func visit(_ node: String) -> [String]? {
      if marks[node] == .done { return nil }
      if marks[node] == .visiting {
        let start = stack.firstIndex(of: node)!
        return Array(stack[start...]) + [node]
      }
      marks[node] = .visiting
      stack.append(node)
      for next in dependencies[node] ?? [] where dependencies[next] != nil {
        if let found = visit(next) { return found }
      }
      stack.removeLast()
      marks[node] = .done
      return nil
    }
    for node in order {
      if let found = visit(node) { return found }
    }
    return nil
  }
}
