import Foundation

/// The names in a directory, read with `readdir`: `FileManager.contentsOfDirectory` costs a millisecond more for a
/// mission's thousand prompt files, and the read verbs list that directory on every call.
public enum DirectoryNames {
  /// Every entry but `.` and `..`, in no particular order; nil when the directory cannot be opened.
  public static func list(_ path: String) -> [String]? {
    guard let directory = opendir(path) else { return nil }
    defer { closedir(directory) }
    var names: [String] = []
    while let entry = readdir(directory) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
        String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
      }
      if name != "." && name != ".." { names.append(name) }
    }
    return names
  }
}
