/// Path arithmetic on strings, without Foundation's NSString bridging (which traps on some relative names).
public enum FilePaths {
  /// The directory part of `path`: "." for a bare name, "/" for a file at the root.
  public static func directory(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    if slash == path.startIndex { return "/" }
    return String(path[..<slash])
  }
}
